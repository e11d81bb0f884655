"""The front door: awkward files and words are read correctly or refused with a clear message
(exit 2 or 3), never with a traceback; refusals survive pickling (Dask process workers)."""
import pickle

import pytest

from signalering.errors import InputError


@pytest.mark.parametrize("error", [
    InputError("records.csv", "not a number", row=4, column="score"),
    InputError("records.csv", "the file is empty"),
    InputError("", "no file", column="x"),
])
def test_input_error_survives_pickling(error):
    back = pickle.loads(pickle.dumps(error))
    assert back == error and str(back) == str(error)
    assert (back.file, back.reason, back.row, back.column) == (error.file, error.reason, error.row, error.column)


def test_input_error_survives_tblib_pickling():
    """``distributed`` pickles exceptions through tblib, which sets ``__cause__`` and friends."""
    pickling_support = pytest.importorskip("tblib.pickling_support")
    try:
        raise InputError("records.csv", "not a number", row=4, column="score") from ValueError("inner")
    except InputError as exc:
        error = exc
    func, args = pickling_support.pickle_exception(error)
    back = func(*args)
    assert back == error and str(back) == str(error) and isinstance(back.__cause__, ValueError)
    with pytest.raises(Exception, match="cannot assign"):
        back.row = 5
