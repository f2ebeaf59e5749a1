"""The exception classes and their bases, the return_when constants, and the
names the package exports (SPEC.md section "Exceptions and names").

The common base class of the module's own exceptions is not exported; the
tests reach it through CancelledError's method resolution order.
"""

import pytest

THREAD_SIDE_NAMES = {
    "FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED",
    "CancelledError", "TimeoutError", "BrokenExecutor",
    "Future", "Executor", "wait", "as_completed", "ThreadPoolExecutor",
}


def common_base(futures):
    return futures.CancelledError.__mro__[1]


@pytest.mark.clause("Error/common-base")
def test_cancelled_and_invalid_state_share_a_plain_exception_base(futures):
    base = common_base(futures)
    assert futures.InvalidStateError.__mro__[1] is base
    assert base.__bases__ == (Exception,)


@pytest.mark.clause("Error/name")
def test_common_base_is_named_error(futures):
    assert common_base(futures).__name__ == "Error"


@pytest.mark.clause("TimeoutError/builtin", checks_old=True)
def test_timeout_error_is_the_builtin(futures):
    if futures.predates("TimeoutError/builtin"):
        assert futures.TimeoutError is not TimeoutError
        assert futures.TimeoutError.__mro__[1] is common_base(futures)
        assert not issubclass(futures.TimeoutError, OSError)
    else:
        assert futures.TimeoutError is TimeoutError


@pytest.mark.clause("BrokenExecutor/runtime-error")
def test_broken_executor_is_a_runtime_error(futures):
    assert issubclass(futures.BrokenExecutor, RuntimeError)
    assert not issubclass(futures.BrokenExecutor, common_base(futures))


@pytest.mark.clause("BrokenThreadPool/broken-executor")
def test_broken_thread_pool_is_a_broken_executor(futures):
    assert issubclass(futures.BrokenThreadPool, futures.BrokenExecutor)


@pytest.mark.clause("module/thread-submodule")
def test_thread_submodule_offers_the_same_executor(futures):
    assert futures.thread.ThreadPoolExecutor is futures.ThreadPoolExecutor


@pytest.mark.clause("module/all")
def test_all_lists_the_thread_side_names(futures):
    assert THREAD_SIDE_NAMES <= set(futures.module.__all__)


@pytest.mark.clause("module/all")
def test_star_import_brings_every_listed_name(futures):
    namespace = {}
    exec("from %s import *" % futures.module_name, namespace)
    assert set(futures.module.__all__) <= set(namespace)


@pytest.mark.clause("InvalidStateError/in-all")
def test_invalid_state_error_is_listed_in_all(futures):
    assert "InvalidStateError" in futures.module.__all__


@pytest.mark.clause("constants/values")
def test_return_when_constants_are_their_names(futures):
    values = (futures.FIRST_COMPLETED, futures.FIRST_EXCEPTION, futures.ALL_COMPLETED)
    assert values == ("FIRST_COMPLETED", "FIRST_EXCEPTION", "ALL_COMPLETED")


@pytest.mark.detail
@pytest.mark.clause("module/all-is-list")
def test_all_is_a_list(futures):
    assert type(futures.module.__all__) is list
