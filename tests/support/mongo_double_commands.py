"""The commands of the MongoDB test double, answered as a MongoDB 5.0 standalone would.

Each command runs to completion without yielding to the event loop (no await here): commands
of concurrent clients never interleave, so compare-and-set updates and unique indexes are
race-free as on a real server. Command errors raise CommandError ({ok: 0, errmsg, code,
codeName}); per-document write errors are answered with ok: 1 and writeErrors.
"""

import copy
import datetime
import itertools
import sys
import traceback

import bson
from bson.int64 import Int64
from bson.son import SON
import mongomock
from mongomock import (CollectionInvalid, DuplicateKeyError, OperationFailure, WriteError)

import mongo_double_schema as schema
from mongo_double_store import Store

MAX_WIRE_VERSION = 13  # MongoDB 5.0
MAX_BSON_OBJECT_SIZE = 16 * 1024 * 1024
MAX_MESSAGE_SIZE = 48000000
MAX_WRITE_BATCH_SIZE = 100000
BATCH_BYTES = 8 * 1024 * 1024  # a reply batch stays well under MAX_MESSAGE_SIZE
DEFAULT_FIRST_BATCH = 101
_SCRATCH = mongomock.MongoClient()  # apart from the served data: listDatabases never shows it
SESSION_TIMEOUT_MINUTES = 30

CODE_NAMES = {
    1: 'InternalError', 2: 'BadValue', 6: 'HostUnreachable', 9: 'FailedToParse',
    11: 'UserNotFound', 14: 'TypeMismatch', 20: 'IllegalOperation', 26: 'NamespaceNotFound',
    27: 'IndexNotFound', 43: 'CursorNotFound', 48: 'NamespaceExists', 59: 'CommandNotFound',
    85: 'IndexOptionsConflict', 86: 'IndexKeySpecsConflict', 89: 'NetworkTimeout',
    91: 'ShutdownInProgress', 121: 'DocumentValidationFailure', 189: 'PrimarySteppedDown',
    238: 'NotImplemented', 10107: 'NotWritablePrimary', 11000: 'DuplicateKey',
    11600: 'InterruptedAtShutdown', 13435: 'NotPrimaryNoSecondaryOk',
}


class CommandError(Exception):
    """A command that fails as a whole: {ok: 0, errmsg, code, codeName}."""

    def __init__(self, code, errmsg):
        super().__init__(errmsg)
        self.code = code
        self.errmsg = errmsg

    def reply(self):
        return {'ok': 0.0, 'errmsg': self.errmsg, 'code': self.code,
                'codeName': CODE_NAMES.get(self.code, 'Error%d' % self.code)}


class CloseConnection(Exception):
    """Raised by an injected fault: the server closes the connection without replying."""


class _WriteFailure(Exception):
    def __init__(self, code, errmsg):
        super().__init__(errmsg)
        self.code = code
        self.errmsg = errmsg


def _ok(**fields):
    reply = dict(fields)
    reply['ok'] = 1.0
    return reply


def _now():
    now = datetime.datetime.utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _sort_spec(sort):
    if not sort:
        return None
    spec = []
    for key, direction in sort.items():
        if isinstance(direction, dict):
            raise CommandError(238, 'sort by %r is not emulated by the mongo double' % direction)
        spec.append((key, 1 if direction >= 0 else -1))
    return spec


def _id_first(doc):
    # MongoDB puts _id first ($group, $project); mongomock may not
    if '_id' in doc and next(iter(doc)) != '_id':
        return dict([('_id', doc['_id'])] + [(k, v) for k, v in doc.items() if k != '_id'])
    return doc


def _is_replacement(update):
    return isinstance(update, dict) and not any(k.startswith('$') for k in update)


def _translate(exc):
    """A mongomock or Python exception raised by a data operation, as (code, message)."""
    if isinstance(exc, OperationFailure):
        return (exc.code or 2), str(exc)
    if isinstance(exc, NotImplementedError):
        return 238, 'not emulated by the mongo double (mongomock): %s' % exc
    return 2, '%s: %s' % (type(exc).__name__, exc)


DATA_ERRORS = (OperationFailure, NotImplementedError, ValueError, TypeError, KeyError,
               bson.errors.InvalidDocument)


class FailPoints:
    """Faults injected by the mutuaDoubleFail command: after letting @skip of them pass, the
    next @times commands named @name (on collection @collection only, when given) fail with
    @code (or close the connection when code is 0)."""

    def __init__(self):
        self.points = {}

    def set(self, name, times, code, errmsg, collection=None, skip=0):
        key = (name, collection)
        if times <= 0:
            self.points.pop(key, None)
        else:
            self.points[key] = [times, code, errmsg, skip]

    def trigger(self, name, body):
        target = body.get(name)
        if not isinstance(target, str):
            target = None  # e.g. endSessions: [...]; only collection names select a point
        key = (name, target) if (name, target) in self.points else (name, None)
        point = self.points.get(key)
        if not point:
            return
        if point[3] > 0:
            point[3] -= 1
            return
        point[0] -= 1
        if point[0] <= 0:
            del self.points[key]
        if point[1] == 0:
            raise CloseConnection()
        raise CommandError(point[1], point[2])


class Cursors:
    """Server-side cursors: id -> (namespace, remaining documents)."""

    def __init__(self):
        self.open = {}
        self.ids = itertools.count(1000)

    def reply(self, namespace, docs, batch_size, single_batch, first=True):
        limit = batch_size if batch_size else (DEFAULT_FIRST_BATCH if first else None)
        batch = []
        size = 0
        rest = iter(docs)
        for doc in rest:
            size += len(bson.encode(doc))
            batch.append(doc)
            if (limit and len(batch) >= limit) or size >= BATCH_BYTES:
                break
        remaining = list(rest)
        cursor_id = 0
        if remaining and not single_batch:
            cursor_id = next(self.ids)
            self.open[cursor_id] = (namespace, remaining)
        key = 'firstBatch' if first else 'nextBatch'
        return _ok(cursor={key: batch, 'id': Int64(cursor_id), 'ns': namespace})

    def more(self, cursor_id, batch_size):
        if cursor_id not in self.open:
            raise CommandError(43, 'cursor id %d not found' % cursor_id)
        namespace, docs = self.open.pop(cursor_id)
        reply = self.reply(namespace, docs, batch_size, False, first=False)
        new_id = reply['cursor']['id']
        if new_id:
            # keep the client's id for the rest
            self.open[cursor_id] = self.open.pop(new_id)
            reply['cursor']['id'] = Int64(cursor_id)
        return reply

    def kill(self, ids):
        killed, unknown = [], []
        for cursor_id in ids:
            (killed if self.open.pop(cursor_id, None) else unknown).append(Int64(cursor_id))
        return _ok(cursorsKilled=killed, cursorsNotFound=unknown, cursorsAlive=[],
                   cursorsUnknown=[])


class Double:
    """The command handler: one per server, shared by all connections."""

    def __init__(self):
        self.store = Store()
        self.cursors = Cursors()
        self.fail_points = FailPoints()
        self.connection_ids = itertools.count(1)
        self.handlers = {
            'hello': self.hello, 'isMaster': self.hello, 'ismaster': self.hello,
            'ping': lambda db, body: _ok(),
            'buildInfo': self.build_info, 'buildinfo': self.build_info,
            'getParameter': lambda db, body: _ok(featureCompatibilityVersion={'version': '5.0'}),
            'endSessions': lambda db, body: _ok(),
            'killCursors': lambda db, body: self.cursors.kill(body.get('cursors', [])),
            'getMore': self.get_more,
            'insert': self.insert, 'update': self.update, 'delete': self.delete,
            'find': self.find, 'findAndModify': self.find_and_modify,
            'findandmodify': self.find_and_modify,
            'count': self.count, 'aggregate': self.aggregate, 'distinct': self.distinct,
            'createIndexes': self.create_indexes, 'dropIndexes': self.drop_indexes,
            'listIndexes': self.list_indexes, 'create': self.create, 'collMod': self.coll_mod,
            'drop': self.drop, 'dropDatabase': self.drop_database,
            'listCollections': self.list_collections, 'listDatabases': self.list_databases,
            'validate': self.validate, 'dbStats': self.db_stats, 'collStats': self.coll_stats,
            'serverStatus': self.server_status, 'mutuaDoubleFail': self.set_fail_point,
        }

    # ---- dispatch ------------------------------------------------------------------------

    def execute(self, body):
        """The reply document to the command @body; raises CloseConnection for a fault."""
        if not body:
            return CommandError(9, 'empty command').reply()
        name = next(iter(body))
        db = body.get('$db', 'admin')
        try:
            if body.get('startTransaction') or body.get('autocommit') is False or (
                    'txnNumber' in body) or name in ('commitTransaction', 'abortTransaction'):
                # what a standalone answers: no transactions, no retryable writes
                raise CommandError(20, 'Transaction numbers are only allowed on a replica set '
                                   'member or mongos')
            handler = self.handlers.get(name)
            if handler is None:
                raise CommandError(59, "no such command: '%s'" % name)
            if name != 'mutuaDoubleFail':
                self.fail_points.trigger(name, body)
            return handler(db, body)
        except CommandError as exc:
            return exc.reply()
        except DATA_ERRORS as exc:
            code, message = _translate(exc)
            return CommandError(code, message).reply()
        except CloseConnection:
            raise
        except Exception as exc:  # a bug of the double: answer it, keep serving, say it
            traceback.print_exc(file=sys.stderr)
            return CommandError(1, 'mongo double internal error in %s: %r' % (name, exc)).reply()

    # ---- server -------------------------------------------------------------------------

    def hello(self, db, body):
        reply = _ok(helloOk=True, ismaster=True, isWritablePrimary=True,
                    maxBsonObjectSize=MAX_BSON_OBJECT_SIZE,
                    maxMessageSizeBytes=MAX_MESSAGE_SIZE, maxWriteBatchSize=MAX_WRITE_BATCH_SIZE,
                    localTime=_now(), logicalSessionTimeoutMinutes=SESSION_TIMEOUT_MINUTES,
                    connectionId=next(self.connection_ids), minWireVersion=0,
                    maxWireVersion=MAX_WIRE_VERSION, readOnly=False)
        if name_of(body) == 'hello':
            del reply['ismaster']
        return reply

    def build_info(self, db, body):
        return _ok(version='5.0.0-mutua-double', versionArray=[5, 0, 0, 0], bits=64,
                   maxBsonObjectSize=MAX_BSON_OBJECT_SIZE, storageEngines=['mongomock'])

    def server_status(self, db, body):
        return _ok(host='mutua-mongo-double', version='5.0.0-mutua-double',
                   process='mongo_double.py', localTime=_now(),
                   connections={'current': 0, 'available': 1000})

    def set_fail_point(self, db, body):
        name = body.get('fail')
        if not isinstance(name, str) or not name:
            raise CommandError(2, 'mutuaDoubleFail needs fail: "<command name>"')
        code = int(body.get('code', 6))
        errmsg = body.get('errmsg', 'injected by mutuaDoubleFail (code %d)' % code)
        collection = body.get('collection')
        if collection is not None and not isinstance(collection, str):
            raise CommandError(2, 'mutuaDoubleFail: collection must be a string')
        self.fail_points.set(name, int(body.get('times', 1)), code, errmsg, collection,
                             int(body.get('skip', 0)))
        return _ok()

    # ---- reads --------------------------------------------------------------------------

    def find(self, db, body):
        name = body['find']
        coll = self.store.collection(db, name)
        limit = int(body.get('limit', 0))
        cursor = coll.find(body.get('filter') or {}, body.get('projection') or None,
                           skip=int(body.get('skip', 0)), limit=abs(limit),
                           sort=_sort_spec(body.get('sort')))
        docs = list(cursor)
        single = bool(body.get('singleBatch')) or limit < 0
        return self.cursors.reply('%s.%s' % (db, name), docs, int(body.get('batchSize', 0)),
                                  single)

    def get_more(self, db, body):
        return self.cursors.more(int(body['getMore']), int(body.get('batchSize', 0)))

    def count(self, db, body):
        coll = self.store.collection(db, body['count'])
        docs = list(coll.find(body.get('query') or {}, {'_id': 1},
                              skip=int(body.get('skip', 0)), limit=abs(int(body.get('limit', 0)))))
        return _ok(n=len(docs))

    def aggregate(self, db, body):
        name = body['aggregate']
        if not isinstance(name, str):
            raise CommandError(238, 'database-level aggregate is not emulated by the mongo double')
        for stage in body.get('pipeline', []):
            if '$out' in stage or '$merge' in stage:
                raise CommandError(238, '$out and $merge are not emulated by the mongo double')
        docs = [_id_first(d) for d in
                self.store.collection(db, name).aggregate(body.get('pipeline', []))]
        batch = int((body.get('cursor') or {}).get('batchSize', 0))
        return self.cursors.reply('%s.%s' % (db, name), docs, batch, False)

    def distinct(self, db, body):
        coll = self.store.collection(db, body['distinct'])
        return _ok(values=coll.distinct(body['key'], body.get('query') or {}))

    # ---- writes -------------------------------------------------------------------------

    def _check_document(self, db, name, doc):
        validator = self.store.collection_options(db, name).get('validator')
        failure = schema.validation_failure(validator, doc)
        if failure:
            raise _WriteFailure(121, 'Document failed validation: %s' % failure)

    def insert(self, db, body):
        name = body['insert']
        coll = self.store.collection(db, name)
        ordered = body.get('ordered', True)
        inserted = 0
        errors = []
        for index, doc in enumerate(body.get('documents', [])):
            try:
                self._check_document(db, name, doc)
                try:
                    coll.insert_one(doc)
                except DuplicateKeyError:
                    raise _WriteFailure(11000, Store.duplicate_message(coll, doc))
                except DATA_ERRORS as exc:
                    raise _WriteFailure(*_translate(exc))
                inserted += 1
            except _WriteFailure as failure:
                errors.append({'index': index, 'code': failure.code, 'errmsg': failure.errmsg})
                if ordered:
                    break
        reply = _ok(n=inserted)
        if errors:
            reply['writeErrors'] = errors
        return reply

    def _apply_update(self, db, name, query, update, multi, upsert, array_filters=None):
        """One update statement, all or nothing: (matched, modified, upserted id or None).

        Raises _WriteFailure (with the collection as it was before) on a duplicate key, a
        validation failure or an update mongomock rejects.
        """
        coll = self.store.collection(db, name)
        if isinstance(update, list):
            raise _WriteFailure(238, 'pipeline updates are not emulated by the mongo double')
        replacement = _is_replacement(update)
        if replacement and multi:
            raise _WriteFailure(9, 'multi update is not supported for replacement-style update')
        before = list(coll.find(query, limit=0 if multi else 1))
        kwargs = {'upsert': bool(upsert)}
        if array_filters and not replacement:
            kwargs['array_filters'] = array_filters
        try:
            if replacement:
                result = coll.replace_one(query, update, **kwargs)
            elif multi:
                result = coll.update_many(query, update, **kwargs)
            else:
                result = coll.update_one(query, update, **kwargs)
        except DuplicateKeyError:
            changed = coll.find_one({'_id': before[0]['_id']}) if before else None
            self._roll_back(coll, before, None)
            message = 'E11000 duplicate key error'
            if changed is not None:
                message = Store.duplicate_message(coll, changed, exclude_id=True)
            raise _WriteFailure(11000, message)
        except (WriteError,) + DATA_ERRORS as exc:
            self._roll_back(coll, before, None)
            raise _WriteFailure(*_translate(exc))
        upserted = result.upserted_id
        written = [d['_id'] for d in before] + ([upserted] if upserted is not None else [])
        for object_id in written:
            doc = coll.find_one({'_id': object_id})
            try:
                self._check_document(db, name, doc)
            except _WriteFailure:
                self._roll_back(coll, before, upserted)
                raise
        return result.matched_count, result.modified_count, upserted

    @staticmethod
    def _roll_back(coll, before, upserted):
        for doc in before:
            Store.put_back(coll, doc)
        if upserted is not None:
            Store.remove_by_id(coll, upserted)

    def update(self, db, body):
        name = body['update']
        ordered = body.get('ordered', True)
        matched = modified = 0
        upserts, errors = [], []
        for index, stmt in enumerate(body.get('updates', [])):
            try:
                n, n_modified, upserted = self._apply_update(
                    db, name, stmt.get('q') or {}, stmt.get('u'), stmt.get('multi', False),
                    stmt.get('upsert', False), stmt.get('arrayFilters'))
            except _WriteFailure as failure:
                errors.append({'index': index, 'code': failure.code, 'errmsg': failure.errmsg})
                if ordered:
                    break
                continue
            if upserted is not None:
                upserts.append({'index': index, '_id': upserted})
                matched += 1
            else:
                matched += n
                modified += n_modified
        reply = _ok(n=matched, nModified=modified)
        if upserts:
            reply['upserted'] = upserts
        if errors:
            reply['writeErrors'] = errors
        return reply

    def delete(self, db, body):
        coll = self.store.collection(db, body['delete'])
        deleted = 0
        for stmt in body.get('deletes', []):
            query = stmt.get('q') or {}
            if int(stmt.get('limit', 0)) == 1:
                deleted += coll.delete_one(query).deleted_count
            else:
                deleted += coll.delete_many(query).deleted_count
        return _ok(n=deleted)

    def find_and_modify(self, db, body):
        name = body.get('findAndModify', body.get('findandmodify'))
        coll = self.store.collection(db, name)
        query = body.get('query') or {}
        fields = body.get('fields') or None
        remove = bool(body.get('remove'))
        update = body.get('update')
        if remove == (update is not None):
            raise CommandError(9, 'Either an update or remove=true must be specified')
        if remove and body.get('new'):
            raise CommandError(9, 'Cannot specify both new=true and remove=true; '
                               'remove always returns the deleted document')
        found = list(coll.find(query, limit=1, sort=_sort_spec(body.get('sort'))))
        if remove:
            if found:
                coll.delete_one({'_id': found[0]['_id']})
                return _ok(lastErrorObject={'n': 1},
                           value=self._project(coll, found[0], fields))
            return _ok(lastErrorObject={'n': 0}, value=None)
        target = {'_id': found[0]['_id']} if found else query
        try:
            _n, _modified, upserted = self._apply_update(
                db, name, target, update, False, bool(body.get('upsert')) and not found,
                body.get('arrayFilters'))
        except _WriteFailure as failure:
            raise CommandError(failure.code, failure.errmsg)
        if found:
            last = {'n': 1, 'updatedExisting': True}
            if body.get('new'):
                return _ok(lastErrorObject=last, value=coll.find_one({'_id': found[0]['_id']},
                                                                     fields))
            return _ok(lastErrorObject=last, value=self._project(coll, found[0], fields))
        if upserted is None:
            return _ok(lastErrorObject={'n': 0, 'updatedExisting': False}, value=None)
        last = {'n': 1, 'updatedExisting': False, 'upserted': upserted}
        value = coll.find_one({'_id': upserted}, fields) if body.get('new') else None
        return _ok(lastErrorObject=last, value=value)

    @staticmethod
    def _project(coll, doc, fields):
        if not fields:
            return doc
        # mongomock's projection, applied to a document that may no longer be stored
        scratch = _SCRATCH['projection']['doc']
        scratch.drop()
        scratch.insert_one(copy.deepcopy(doc))
        projected = scratch.find_one({}, fields)
        scratch.drop()
        return projected

    # ---- collections and indexes --------------------------------------------------------

    def create(self, db, body):
        name = body['create']
        options = {k: body[k] for k in ('validator', 'validationLevel', 'validationAction')
                   if k in body}
        if 'validator' in options:
            try:
                schema.check_validator(options['validator'])
            except schema.SchemaError as exc:
                raise CommandError(2, str(exc))
        try:
            self.store.database(db).create_collection(name)
        except CollectionInvalid:
            raise CommandError(48, 'Collection %s.%s already exists.' % (db, name))
        self.store.set_collection_options(db, name, options)
        return _ok()

    def coll_mod(self, db, body):
        name = body['collMod']
        if not self.store.collection_exists(db, name):
            raise CommandError(26, 'ns does not exist: %s.%s' % (db, name))
        options = {k: body[k] for k in ('validator', 'validationLevel', 'validationAction')
                   if k in body}
        if 'validator' in options:
            try:
                schema.check_validator(options['validator'])
            except schema.SchemaError as exc:
                raise CommandError(2, str(exc))
        self.store.set_collection_options(db, name, options)
        return _ok()

    def drop(self, db, body):
        name = body['drop']
        if not self.store.collection_exists(db, name):
            raise CommandError(26, 'ns not found')
        self.store.database(db).drop_collection(name)
        self.store.forget_collection(db, name)
        return _ok(ns='%s.%s' % (db, name), nIndexesWas=1)

    def drop_database(self, db, body):
        self.store.client.drop_database(db)
        self.store.forget_database(db)
        return _ok(dropped=db)

    def list_collections(self, db, body):
        names = self.store.database(db).list_collection_names()
        flt = body.get('filter') or {}
        docs = []
        for name in sorted(names):
            options = dict(self.store.collection_options(db, name))
            doc = {'name': name, 'type': 'collection', 'options': options,
                   'info': {'readOnly': False}, 'idIndex': {'v': 2, 'key': {'_id': 1},
                                                            'name': '_id_'}}
            if all(doc.get(k) == v for k, v in flt.items()):
                docs.append({'name': name} if body.get('nameOnly') else doc)
        batch = int((body.get('cursor') or {}).get('batchSize', 0))
        return self.cursors.reply('%s.$cmd.listCollections' % db, docs, batch, False)

    def list_databases(self, db, body):
        names = self.store.database_names()
        if body.get('nameOnly'):
            return _ok(databases=[{'name': n} for n in names])
        return _ok(databases=[{'name': n, 'sizeOnDisk': 0, 'empty': False} for n in names],
                   totalSize=0)

    def create_indexes(self, db, body):
        name = body['createIndexes']
        coll = self.store.collection(db, name)
        existed = self.store.collection_exists(db, name)
        before = len(coll.index_information())
        notes = []
        for spec in body.get('indexes', []):
            keys = list(spec['key'].items())
            if any(v in ('text', '2dsphere', '2d', 'hashed') for _, v in keys):
                notes.append('index %s: %s queries are not emulated' % (spec['name'], keys))
            options = {k: v for k, v in spec.items() if k not in ('key', 'v', 'ns')}
            existing = coll.index_information().get(spec.get('name'))
            if existing is not None and list(existing['key']) == keys:
                # what MongoDB does for an index that exists with the same keys: nothing
                # (mongomock would re-check uniqueness without the partial filter)
                continue
            try:
                coll.create_index(keys, **options)
            except DuplicateKeyError:
                raise CommandError(11000, self._index_violation(coll, spec))
            except OperationFailure as exc:
                raise CommandError(85, str(exc))
        if not self.store.collection_exists(db, name):
            self.store.database(db).create_collection(name)
        reply = _ok(numIndexesBefore=before, numIndexesAfter=len(coll.index_information()),
                    createdCollectionAutomatically=not existed)
        if notes:
            reply['note'] = 'mongo double: ' + '; '.join(notes)
        return reply

    @staticmethod
    def _index_violation(coll, spec):
        keys = list(spec['key'])
        seen = {}
        for doc in coll.find({}):
            values = tuple(repr(doc.get(k)) for k in keys)
            if values in seen:
                return ('E11000 duplicate key error collection: %s.%s index: %s dup key: %s' %
                        (coll.database.name, coll.name, spec['name'],
                         '{ ' + ', '.join('%s: %s' % kv for kv in zip(keys, values)) + ' }'))
            seen[values] = True
        return 'E11000 duplicate key error collection: %s.%s index: %s' % (
            coll.database.name, coll.name, spec['name'])

    def drop_indexes(self, db, body):
        name = body['dropIndexes']
        if not self.store.collection_exists(db, name):
            raise CommandError(26, 'ns not found %s.%s' % (db, name))
        coll = self.store.collection(db, name)
        before = len(coll.index_information())
        index = body.get('index')
        if index == '*':
            coll.drop_indexes()
        else:
            if isinstance(index, dict):
                index = list(index.items())
            try:
                coll.drop_index(index)
            except OperationFailure as exc:
                raise CommandError(27, str(exc))
        return _ok(nIndexesWas=before)

    def list_indexes(self, db, body):
        name = body['listIndexes']
        if not self.store.collection_exists(db, name):
            raise CommandError(26, 'ns does not exist: %s.%s' % (db, name))
        docs = []
        for info in self.store.collection(db, name).list_indexes():
            doc = SON([('v', 2), ('key', SON(info['key'].items())), ('name', info['name'])])
            for key, value in info.items():
                if key not in ('v', 'key', 'name'):
                    doc[key] = value
            docs.append(dict(doc))
        batch = int((body.get('cursor') or {}).get('batchSize', 0))
        return self.cursors.reply('%s.%s' % (db, name), docs, batch, False)

    # ---- statistics ---------------------------------------------------------------------

    def validate(self, db, body):
        name = body['validate']
        if not self.store.collection_exists(db, name):
            raise CommandError(26, 'Collection %s.%s does not exist' % (db, name))
        coll = self.store.collection(db, name)
        n = coll.count_documents({})
        indexes = coll.index_information()
        return _ok(ns='%s.%s' % (db, name), nrecords=n, nIndexes=len(indexes),
                   keysPerIndex={k: n for k in indexes}, valid=True, errors=[], warnings=[])

    def db_stats(self, db, body):
        database = self.store.database(db)
        names = database.list_collection_names()
        objects = sum(database[n].count_documents({}) for n in names)
        return _ok(db=db, collections=len(names), objects=objects, dataSize=0, storageSize=0,
                   indexes=0, indexSize=0)

    def coll_stats(self, db, body):
        name = body['collStats']
        coll = self.store.collection(db, name)
        return _ok(ns='%s.%s' % (db, name), count=coll.count_documents({}), size=0,
                   storageSize=0, nindexes=len(coll.index_information()))


def name_of(body):
    return next(iter(body)) if body else ''
