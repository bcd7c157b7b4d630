"""Which CPU each server worker keeps to: the hooks gunicorn runs in its master before each fork."""

from types import SimpleNamespace

import pytest

from entrypoints.http import cpu_affinity
from entrypoints.http.cpu_affinity import affinity_hooks


def _spawn(hooks: dict, workers: dict[int, SimpleNamespace], pid: int) -> int:
    worker = SimpleNamespace()
    hooks["pre_fork"](SimpleNamespace(WORKERS=workers), worker)
    workers[pid] = worker
    return worker.cpu


def test_each_worker_takes_a_cpu_no_other_keeps_to():
    hooks, workers = affinity_hooks("auto", 4, cpus=[0, 1, 2, 3]), {}

    assert [_spawn(hooks, workers, pid) for pid in range(4)] == [0, 1, 2, 3]


def test_more_workers_than_cpus_share_them_evenly():
    hooks, workers = affinity_hooks("auto", 5, cpus=[2, 3]), {}

    assert sorted(_spawn(hooks, workers, pid) for pid in range(5)) == [2, 2, 2, 3, 3]


def test_a_worker_that_replaces_one_that_died_takes_the_cpu_it_left():
    hooks, workers = affinity_hooks("spread", 3, cpus=[0, 1, 2]), {}
    for pid in range(3):
        _spawn(hooks, workers, pid)
    del workers[1]  # it died: the master no longer counts it

    assert _spawn(hooks, workers, 99) == 1


@pytest.mark.parametrize(("mode", "workers", "cpus"), [
    ("auto", 1, [0, 1]),  # fewer workers than CPUs: the kernel chooses
    ("none", 4, [0, 1]),
    ("spread", 2, [0]),  # one CPU: nothing to choose
])
def test_the_kernel_chooses_where_keeping_workers_to_cpus_is_not_asked_for(mode: str, workers: int, cpus: list[int]):
    assert affinity_hooks(mode, workers, cpus=cpus) == {}


def test_spread_keeps_even_a_single_worker_to_one_cpu():
    hooks, workers = affinity_hooks("spread", 1, cpus=[0, 1]), {}

    assert set(hooks) == {"pre_fork", "post_fork"}
    assert _spawn(hooks, workers, 1) == 0


def test_an_unknown_mode_is_refused():
    with pytest.raises(ValueError, match="auto, spread, none"):
        affinity_hooks("pinned", 2, cpus=[0, 1])


def test_a_worker_the_system_will_not_keep_to_a_cpu_runs_on(monkeypatch: pytest.MonkeyPatch,
                                                             caplog: pytest.LogCaptureFixture):
    def refused(thread: int, cpus: set[int]) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(cpu_affinity.os, "sched_setaffinity", refused)
    hooks = affinity_hooks("spread", 2, cpus=[0, 1])

    hooks["post_fork"](None, SimpleNamespace(cpu=1))

    assert "could not keep to CPU 1" in caplog.text
