"""The case page's timeline (presentation of ``ledger.history`` views): codes
in the clerks' words, a correction shown against the entry it corrects, a
remark against the entry it is about, chain positions where sealed."""

from __future__ import annotations

from datetime import datetime, timezone

from ledger.history import EventView
from ledger_http.web.timeline import changed, entries


def view(version: int, event: str, data: dict, basis: str | None = None) -> EventView:
    at = datetime(2026, 11, 2, 2, 0, tzinfo=timezone.utc)
    return EventView(version=version, event=event, recorded_at=at, business_time=at, actor_id="u", actor_name="张敏",
                     role="registrar", unit="协调科", request_id=None, basis=basis, data=data)


def test_codes_are_shown_in_words_and_numbers_as_on_paper() -> None:
    lines = dict(changed({"service_types": ["compliance_guidance"], "channel": "phone", "urgency": "normal",
                          "form_number": {"unit": "协调科", "kind": "application", "year": 2026, "seq": 7},
                          "applicant": {"kind": "organisation", "name": "某公司", "id_number": "x", "address": "y"}}))
    assert lines["预约服务类型"] == "合规经营指导"
    assert lines["预约方式"] == "电话预约"
    assert lines["申请表编号"] == "2026年第7号"
    assert lines["申请人"].startswith("类型：单位，名称/姓名：某公司")
    assert "compliance_guidance" not in str(lines)


def test_a_correction_is_shown_on_the_entry_it_corrects_and_a_remark_on_the_entry_it_is_about() -> None:
    timeline = entries([
        view(1, "Applied", {"contact": {"name": "刘芳", "phone": "+8613953312345"}}),
        view(2, "Corrected", {"corrects_version": 1, "corrects_event": "Applied",
                              "changes": [{"field": "contact.phone", "old": "+8613953312345", "new": "+8613953319999"}]},
             basis="来电更正"),
        view(3, "Annotated", {"note": "电话已核实", "about_version": 1}),
    ], {1: (41, "ab" * 32), 2: (44, "cd" * 32)})
    first, correction, remark = timeline
    assert first["corrected_by"] == [{"version": 2, "lines": [("联系电话", "+8613953312345 → +8613953319999")],
                                      "basis": "来电更正"}]
    assert correction["corrects"] == 1 and remark["about"] == 1
    assert first["remarks"][0]["note"] == "电话已核实"
    assert first["chain"] == (41, "ab" * 32) and remark["chain"] is None  # not sealed yet
