"""MongoDB wire protocol framing for the test double (tests/support/mongo_double.py).

Only what a MongoDB 5.0 standalone receives from mongo-c-driver 1.23 and pymongo 3.11:
OP_QUERY on "<db>.$cmd" (the driver's first, legacy, isMaster of every connection; answered
with OP_REPLY) and OP_MSG (every later command; kind 0 body, kind 1 document sequences).
OP_COMPRESSED is never sent because the double advertises no compressor.
"""

import struct

import bson
from bson.codec_options import CodecOptions

try:
    from bson.binary import UuidRepresentation

    CODEC = CodecOptions(document_class=dict, tz_aware=False,
                         uuid_representation=UuidRepresentation.UNSPECIFIED)
except ImportError:  # pymongo older than 3.11
    CODEC = CodecOptions(document_class=dict, tz_aware=False)

OP_REPLY = 1
OP_QUERY = 2004
OP_MSG = 2013

MSG_CHECKSUM_PRESENT = 1 << 0
MSG_MORE_TO_COME = 1 << 1

HEADER = struct.Struct('<iiii')  # messageLength, requestID, responseTo, opCode
MAX_MESSAGE_BYTES = 48000000


class ProtocolError(Exception):
    """A message the double cannot parse: the connection is closed."""


class Request:
    """One command read from a client.

    opcode: OP_QUERY or OP_MSG; request_id: to answer to; body: the command document (document
    sequences merged in); more_to_come: the client expects no reply (unacknowledged write).
    """

    def __init__(self, opcode, request_id, body, more_to_come=False):
        self.opcode = opcode
        self.request_id = request_id
        self.body = body
        self.more_to_come = more_to_come


def _cstring(buf, pos):
    end = buf.index(b'\x00', pos)
    return buf[pos:end].decode('utf-8'), end + 1


def _decode_one(buf, pos):
    if pos + 4 > len(buf):
        raise ProtocolError('truncated document')
    (size,) = struct.unpack_from('<i', buf, pos)
    if size < 5 or pos + size > len(buf):
        raise ProtocolError('bad document size')
    return bson.decode(buf[pos:pos + size], codec_options=CODEC), pos + size


def _parse_query(request_id, payload):
    # flags, fullCollectionName, numberToSkip, numberToReturn, query [, fieldsSelector]
    pos = 4
    namespace, pos = _cstring(payload, pos)
    pos += 8
    query, pos = _decode_one(payload, pos)
    if not namespace.endswith('.$cmd'):
        raise ProtocolError('legacy OP_QUERY outside $cmd is not supported: ' + namespace)
    # a command wrapped in {$query: cmd, $readPreference: ...} (mongos-style)
    if '$query' in query:
        query = query['$query']
    query.setdefault('$db', namespace[:-len('.$cmd')])
    return Request(OP_QUERY, request_id, query)


def _parse_msg(request_id, payload):
    (flags,) = struct.unpack_from('<I', payload, 0)
    end = len(payload) - (4 if flags & MSG_CHECKSUM_PRESENT else 0)
    pos = 4
    body = None
    sequences = []
    while pos < end:
        kind = payload[pos]
        pos += 1
        if kind == 0:
            body, pos = _decode_one(payload, pos)
        elif kind == 1:
            (size,) = struct.unpack_from('<i', payload, pos)
            section_end = pos + size
            identifier, doc_pos = _cstring(payload, pos + 4)
            docs = []
            while doc_pos < section_end:
                doc, doc_pos = _decode_one(payload, doc_pos)
                docs.append(doc)
            sequences.append((identifier, docs))
            pos = section_end
        else:
            raise ProtocolError('unknown OP_MSG section kind %d' % kind)
    if body is None:
        raise ProtocolError('OP_MSG without a body section')
    for identifier, docs in sequences:
        body.setdefault(identifier, []).extend(docs)
    return Request(OP_MSG, request_id, body, bool(flags & MSG_MORE_TO_COME))


def parse(header_bytes, payload):
    """Parses one message (its 16-byte header and the rest). Raises ProtocolError."""
    _length, request_id, _response_to, opcode = HEADER.unpack(header_bytes)
    try:
        if opcode == OP_QUERY:
            return _parse_query(request_id, payload)
        if opcode == OP_MSG:
            return _parse_msg(request_id, payload)
    except (ValueError, IndexError, struct.error, bson.errors.BSONError) as exc:
        raise ProtocolError('malformed message: %s' % exc) from exc
    raise ProtocolError('unsupported opcode %d' % opcode)


def message_length(header_bytes):
    """The total length announced by a header; raises ProtocolError when out of bounds."""
    (length,) = struct.unpack_from('<i', header_bytes, 0)
    if length < HEADER.size or length > MAX_MESSAGE_BYTES:
        raise ProtocolError('bad message length %d' % length)
    return length


def encode_reply(request, reply, reply_id):
    """The reply to @request carrying the document @reply, in the request's protocol."""
    doc = bson.encode(reply, codec_options=CODEC)
    if request.opcode == OP_QUERY:
        payload = struct.pack('<iqii', 0, 0, 0, 1) + doc
        opcode = OP_REPLY
    else:
        payload = struct.pack('<I', 0) + b'\x00' + doc
        opcode = OP_MSG
    header = HEADER.pack(HEADER.size + len(payload), reply_id, request.request_id, opcode)
    return header + payload
