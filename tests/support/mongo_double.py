#!/usr/bin/python3
"""A MongoDB wire-protocol test double: mutuad's MongoDB adapter and its tests talk to it
through the real mongo-c-driver, over a real socket, where no MongoDB server exists.

    /usr/bin/python3 tests/support/mongo_double.py [--host 127.0.0.1] [--port 0]
                                                   [--exit-on-stdin-eof]

It binds, prints exactly one line "port=<N>" on stdout, then serves until SIGTERM or SIGINT
(exit 0), or until stdin reaches EOF with --exit-on-stdin-eof (a parent that dies never
leaves it behind). Errors go to stderr; nothing more is written on stdout.

It presents itself as a MongoDB 5.0 standalone (maxWireVersion 13, sessions advertised,
no transactions, no retryable writes) and keeps its data in memory with mongomock
(Debian's python3-mongomock), one event loop thread: a command never interleaves with another.
What is and is not emulated: docs/HACKING.md, "The MongoDB test double".
"""

import argparse
import asyncio
import os
import signal
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import mongo_double_wire as wire  # noqa: E402
from mongo_double_commands import CloseConnection, Double  # noqa: E402


class Server:
    def __init__(self):
        self.double = Double()
        self.reply_ids = 1
        self.connections = set()

    async def serve_connection(self, reader, writer):
        self.connections.add(writer)
        try:
            while True:
                header = await reader.readexactly(wire.HEADER.size)
                length = wire.message_length(header)
                payload = await reader.readexactly(length - wire.HEADER.size)
                request = wire.parse(header, payload)
                # the whole command runs here, without any await
                reply = self.double.execute(request.body)
                if request.more_to_come:
                    continue
                self.reply_ids += 1
                writer.write(wire.encode_reply(request, reply, self.reply_ids))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError, CloseConnection):
            pass
        except wire.ProtocolError as exc:
            print('mongo_double: closing a connection: %s' % exc, file=sys.stderr)
        finally:
            self.connections.discard(writer)
            writer.close()


async def main(args):
    server = Server()
    listener = await asyncio.start_server(server.serve_connection, args.host, args.port)
    port = listener.sockets[0].getsockname()[1]
    sys.stdout.write('port=%d\n' % port)
    sys.stdout.flush()

    loop = asyncio.get_running_loop()
    stop = asyncio.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signum, stop.set)
    if args.exit_on_stdin_eof:
        loop.add_reader(sys.stdin.fileno(), lambda: _on_stdin(stop))
    await stop.wait()
    listener.close()
    for writer in list(server.connections):
        writer.close()
    await listener.wait_closed()


def _on_stdin(stop):
    if not os.read(sys.stdin.fileno(), 4096):
        stop.set()


def parse_args():
    parser = argparse.ArgumentParser(description='MongoDB wire-protocol test double')
    parser.add_argument('--host', default='127.0.0.1')
    parser.add_argument('--port', type=int, default=0)
    parser.add_argument('--exit-on-stdin-eof', action='store_true')
    return parser.parse_args()


if __name__ == '__main__':
    asyncio.run(main(parse_args()))
    sys.exit(0)
