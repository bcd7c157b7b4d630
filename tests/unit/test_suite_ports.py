"""The suite's own port picking: each pytest-xdist worker draws from a share no other draws from."""

from tests.ports import own_share

PORTS = range(20_000, 32_000)


def test_each_worker_has_its_own_share_of_the_ports() -> None:
    shares = [own_share(PORTS, {"PYTEST_XDIST_WORKER": f"gw{n}", "PYTEST_XDIST_WORKER_COUNT": "3"})
              for n in range(3)]
    assert [len(share) for share in shares] == [4_000] * 3
    assert not set(shares[0]) & set(shares[1]) and not set(shares[1]) & set(shares[2])
    assert set().union(*shares) <= set(PORTS)


def test_outside_xdist_or_with_one_worker_every_port_is_drawn_from() -> None:
    assert own_share(PORTS, {}) == PORTS
    assert own_share(PORTS, {"PYTEST_XDIST_WORKER": "gw0", "PYTEST_XDIST_WORKER_COUNT": "1"}) == PORTS
    assert own_share(PORTS, {"PYTEST_XDIST_WORKER": "master", "PYTEST_XDIST_WORKER_COUNT": "2"}) == PORTS
