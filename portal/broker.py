"""Celery's embedded broker (kombu's filesystem transport), made safe for concurrent
processes. kombu writes each message file in place: a worker polling the folder can
move and read a file before its bytes are written, get an empty message and stop with
"Unrecoverable error: JSONDecodeError" (seen with web, worker and beat on one laptop).
Here a message is written under a name the reader ignores, then renamed into place:
a rename within one folder is atomic, so a reader sees a whole message or none.

Registered as the "filesystem" transport in portal/celery.py, so `filesystem://`
(the embedded default) uses it in every process."""

import os
import uuid
from time import monotonic

from kombu.exceptions import ChannelError
from kombu.transport import filesystem
from kombu.utils.encoding import str_to_bytes
from kombu.utils.json import dumps


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


class Transport(filesystem.Transport):
    Channel = Channel
