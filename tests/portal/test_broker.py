"""The embedded broker (filesystem transport): a message being written is never read
half-way, however fast a worker polls (kombu's own transport let a reader take an empty
file and stop the worker with a JSONDecodeError)."""

import threading

from kombu import Connection

from portal.celery import app  # noqa: F401  (registers the transport)


def _connection(folder):
    return Connection(
        "filesystem://",
        transport_options={
            "data_folder_in": str(folder),
            "data_folder_out": str(folder),
            "processed_folder": str(folder / "processed"),
            "control_folder": str(folder / "control"),
            "store_processed": False,
        },
    )


def test_a_reader_never_gets_a_message_being_written(tmp_path):
    (tmp_path / "processed").mkdir()
    (tmp_path / "control").mkdir()
    count, body = 300, "x" * 2_000_000  # large messages: writing each takes a while
    received, errors = [], []
    done = threading.Event()

    def read():
        with _connection(tmp_path) as connection:
            queue = connection.SimpleQueue("race")
            while len(received) < count and not done.is_set():
                try:
                    message = queue.get(timeout=0.01)
                except queue.Empty:
                    continue
                except Exception as exc:  # what stopped the worker: a half-written message
                    errors.append(exc)
                    return
                received.append(message.payload["n"])
                message.ack()

    reader = threading.Thread(target=read)
    reader.start()
    with _connection(tmp_path) as connection:
        queue = connection.SimpleQueue("race")
        for n in range(count):
            queue.put({"n": n, "body": body})
    reader.join(timeout=120)
    done.set()
    assert not errors, errors[0]
    assert sorted(received) == list(range(count))
    assert connection.transport_cls == "filesystem"
