"""Celery's embedded broker (kombu's filesystem transport), made safe for concurrent
processes. kombu writes each message file in place: a worker polling the folder can
move and read a file before its bytes are written, get an empty message and stop with
"Unrecoverable error: JSONDecodeError" (seen with web, worker and beat on one laptop).
Here a message is written under a name the reader ignores, then renamed into place:
a rename within one folder is atomic, so a reader sees a whole message or none.
The exchange table (control folder) has the same gap when it is first created: kombu
opens it empty and only then locks and writes it, so a publisher in another process or
thread could read "" and fail. Here the first table is written aside and hard-linked
into place (atomic, and refused if another process created it first).

Registered as the "filesystem" transport in portal/celery.py, so `filesystem://`
(the embedded default) uses it in every process."""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps

exchange_queue_t = filesystem.exchange_queue_t


class Channel(filesystem.Channel):
    def _put(self, queue, payload, **kwargs):
        name = f"{int(round(monotonic() * 1000))}_{uuid.uuid4()}.{queue}.msg"
        # a leading dot: never "<queue>.msg" after the first dot, so never read
        partial = os.path.join(self.data_folder_out, f".partial-{uuid.uuid4()}")
        try:
            with open(partial, "wb") as out:
                out.write(str_to_bytes(dumps(payload)))
            os.replace(partial, os.path.join(self.data_folder_out, name))
        except OSError as exc:
            raise ChannelError(f"Cannot add file {name!r} to directory") from exc

    def _queue_bind(self, exchange, routing_key, pattern, queue):
        file = self._exchange_file(exchange)
        if not file.exists():
            self.control_folder.mkdir(exist_ok=True)
            first = [exchange_queue_t(routing_key or "", pattern or "", queue or "")]
            partial = self.control_folder / f".partial-{uuid.uuid4()}"
            try:
                partial.write_bytes(str_to_bytes(dumps(first)))
                try:
                    os.link(partial, file)
                    return
                except FileExistsError:
                    pass  # created meanwhile by another binder: add ours to it below
                except OSError:
                    pass  # no hard links here: kombu's own way below
            finally:
                partial.unlink(missing_ok=True)
        # the table exists: kombu updates it in place under an exclusive lock, and
        # readers take a shared lock, so they never see it half-written
        super()._queue_bind(exchange, routing_key, pattern, queue)


class Transport(filesystem.Transport):
    Channel = Channel
