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

    reader = threading.Thread(target=read, daemon=True)
    try:
        with _connection(tmp_path) as connection:
            # the queue and its binding exist before the reader starts: this test is about
            # message files (the exchange table's creation has its own test below)
            queue = connection.SimpleQueue("race")
            reader.start()
            for n in range(count):
                queue.put({"n": n, "body": body})
        reader.join(timeout=600)  # generous: on a loaded machine 600 MB take a while
    finally:
        done.set()  # a failed put must not leave the reader polling for ever
    assert not errors, errors[0]
    assert sorted(received) == list(range(count)), f"{len(received)} of {count} received"
    assert connection.transport_cls == "filesystem"


def test_a_publisher_never_reads_an_exchange_table_being_created(tmp_path):
    """kombu creates an exchange's table file empty and writes it after: a publisher
    reading it in between failed with JSONDecodeError (seen in CI)."""
    (tmp_path / "processed").mkdir()
    (tmp_path / "control").mkdir()
    names = [f"table{n}" for n in range(400)]
    errors = []
    done = threading.Event()

    def bind():
        try:
            with _connection(tmp_path) as connection:
                channel = connection.default_channel
                for name in names:
                    channel.exchange_declare(name, type="direct")
                    channel.queue_declare(name)
                    channel.queue_bind(name, exchange=name, routing_key=name)
        except Exception as exc:
            errors.append(exc)
        finally:
            done.set()

    binder = threading.Thread(target=bind, daemon=True)
    with _connection(tmp_path) as connection:
        channel = connection.default_channel
        binder.start()
        try:
            while not done.is_set():
                for name in names:
                    try:
                        table = channel.get_table(name)
                    except Exception as exc:
                        errors.append(exc)
                        break
                    assert table in ([], [(name, "", name)])
                if errors:
                    break
        finally:
            done.set()
        binder.join(timeout=60)
        final = [channel.get_table(name) for name in names]
    assert not errors, errors[0]
    assert all(table == [(name, "", name)] for name, table in zip(names, final, strict=True))
