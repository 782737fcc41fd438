"""How the sandbox's processes start (selfeval/readers/sandbox.py): from a ``forkserver`` (a clean
single-threaded process, safe from Streamlit's threads) that has imported the readers once, so every
worker starts with them loaded - and without the caller's main module, which a worker never needs.
"""

from __future__ import annotations

import io
import os
from multiprocessing import context as mp_context
from multiprocessing import popen_forkserver, spawn

from selfeval.readers.worker import PRELOAD


class Popen(popen_forkserver.Popen):
    """The fork server's Popen, minus the main module: a worker never re-runs the caller's script
    (``python foo.py`` without a ``__main__`` guard, Streamlit's launcher) - it needs only our
    module-level functions, which it imports by name."""

    def _launch(self, process_obj):
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        popen_forkserver.set_spawning_popen(self)
        try:
            popen_forkserver.reduction.dump(prep_data, buf)
            popen_forkserver.reduction.dump(process_obj, buf)
        finally:
            popen_forkserver.set_spawning_popen(None)
        self.sentinel, w = popen_forkserver.forkserver.connect_to_new_process(self._fds)
        parent_w = os.dup(w)  # as the stdlib: the child watches it to know the parent lives
        self.finalizer = popen_forkserver.util.Finalize(
            self, popen_forkserver.util.close_fds, (parent_w, self.sentinel)
        )
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = popen_forkserver.forkserver.read_signed(self.sentinel)


class WorkerProcess(mp_context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return Popen(process_obj)


class Context(mp_context.ForkServerContext):
    Process = WorkerProcess


_CONTEXT = Context()


def context() -> Context:
    # the fork server imports these once, so every worker starts with the readers loaded (ignored
    # once the fork server runs)
    _CONTEXT.set_forkserver_preload(list(PRELOAD))
    return _CONTEXT
