"""The fault suite's own PostgreSQL cluster (tests/ops/cluster.py).

One per pytest worker (xdist gives each its own session); each module takes
its own database in it. It must be made: the suite fails, never skips, when
it cannot (missing programs, no ``postgres`` user, a server that won't start).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.ops.cluster import Cluster, ClusterError, make_root, remove_root
from tests.serving import free_port


@pytest.fixture(scope="session")
def private_cluster() -> Iterator[Cluster]:
    root = make_root()
    try:
        cluster = Cluster(root, "primary", free_port()).initdb().start()
    except ClusterError as e:
        remove_root(root)
        pytest.fail(f"the fault suite needs a PostgreSQL cluster of its own and could not make one: {e}")
    try:
        yield cluster
    finally:
        try:
            cluster.stop()
        finally:
            remove_root(root)
