from tests.builders import REGISTRAR, book_cmd, ctx, rated_case


def test_a_case_can_be_booked_and_reloaded(memory_ledger):
    result = memory_ledger.book(ctx(REGISTRAR), book_cmd())
    case = memory_ledger.get_case(result.case_id)
    assert case.state.value == "applied"
    assert result.notification_id >= 1


def test_a_joint_case_reaches_rated(memory_ledger):
    case_id = rated_case(memory_ledger, joint=True)
    assert memory_ledger.get_case(case_id).state.value == "rated"
