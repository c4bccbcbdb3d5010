"""An upload handler that stops a too-large upload while it streams.

Django writes uploads above FILE_UPLOAD_MAX_MEMORY_SIZE to a temporary file; this
handler also counts the bytes of the whole request body as they arrive and stops
reading as soon as EVIDENCE_MAX_UPLOAD_BYTES is passed, deleting its temporary file,
so a 500 MB upload over a 25 MB cap costs 25 MB of reading, not 500."""

import contextlib

from django.conf import settings
from django.core.files.uploadhandler import StopUpload, TemporaryFileUploadHandler
from django.http import QueryDict
from django.utils.datastructures import MultiValueDict


class UploadTooLarge(Exception):
    pass


class CappedTemporaryFileUploadHandler(TemporaryFileUploadHandler):
    def __init__(self, request=None):
        super().__init__(request)
        self.received = 0
        self.limit = settings.EVIDENCE_MAX_UPLOAD_BYTES

    def handle_raw_input(self, input_data, META, content_length, boundary, encoding=None):
        if content_length and content_length > self.limit + 64 * 1024:
            # Known too large from the header: parse nothing (an empty result ends
            # the parsing; the body is never read into a file).
            self.request.upload_too_large = True
            return QueryDict(mutable=True), MultiValueDict()
        return None

    def receive_data_chunk(self, raw_data, start):
        self.received += len(raw_data)
        if self.received > self.limit:
            self.request.upload_too_large = True
            self._discard()
            raise StopUpload(connection_reset=True)
        return super().receive_data_chunk(raw_data, start)

    def _discard(self) -> None:
        file = getattr(self, "file", None)
        if file is not None:
            with contextlib.suppress(OSError):
                file.close()  # a NamedTemporaryFile deletes itself on close
        # gone, not None: Django's parser closes `handler.file` of every handler that has one
        self.__dict__.pop("file", None)

    def upload_interrupted(self):
        self._discard()
