"""The data side of the MongoDB test double: mongomock, corrected where it differs from MongoDB.

- int64 stays int64: mongomock's $inc and $group $sum return Python ints, which encode as int32
  when small; MongoDB keeps a long when an operand is a long. Both are patched here.
- unique indexes on arrays: MongoDB indexes every element of an array (a multikey index), so a
  unique key is taken when any element of the new document's array equals a value (or an element)
  of another document; mongomock compares whole arrays. _ensure_uniques_multikey() checks each
  element.
- duplicate keys: mongomock says only "E11000 Duplicate Key Error"; duplicate_message() names
  the index and the key values as MongoDB does.
- collection options (validator, validationLevel, validationAction) that mongomock does not
  keep are kept in Store.options.
- put_back() restores a document's previous version (rollback of a statement that failed
  after mongomock applied it).
"""

import itertools

import mongomock
from bson.int64 import Int64
from mongomock import aggregate as mm_aggregate
from mongomock import collection as mm_collection
from mongomock import helpers as mm_helpers


def _is_plain_int(value):
    return isinstance(value, int) and not isinstance(value, bool)


def _keep_int64(result, operands):
    if _is_plain_int(result) and not isinstance(result, Int64) and any(
            isinstance(v, Int64) for v in operands):
        return Int64(result)
    return result


_original_inc = mm_collection._inc_updater


def _inc_keeping_int64(doc, field_name, value):
    key = field_name
    if isinstance(doc, list):
        key = int(field_name)
    try:
        before = doc[key]
    except (KeyError, IndexError, TypeError):
        before = None
    _original_inc(doc, field_name, value)
    try:
        doc[key] = _keep_int64(doc[key], [before, value])
    except (KeyError, IndexError, TypeError):
        pass


_original_sum = mm_aggregate._GROUPING_OPERATOR_MAP['$sum']


def _sum_keeping_int64(values):
    values = list(values)
    return _keep_int64(_original_sum(values), values)


mm_collection._updaters['$inc'] = _inc_keeping_int64
mm_collection._inc_updater = _inc_keeping_int64
mm_aggregate._GROUPING_OPERATOR_MAP['$sum'] = _sum_keeping_int64


def _value_at(doc, path):
    try:
        return mm_helpers.get_value_by_dot(doc, path)
    except (KeyError, IndexError, TypeError):
        return None


def _key_text(names, values):
    parts = []
    for name, value in zip(names, values):
        parts.append('%s: %r' % (name, value))
    return '{ ' + ', '.join(parts) + ' }'


def _ensure_uniques_multikey(self, new_data):
    """mongomock's Collection._ensure_uniques (@new_data is already stored), element by element.

    A unique index holds one key per element of an array field (at most one array field per
    index, as MongoDB requires): each combination is looked up on its own. An empty array stays
    one key, compared whole.
    """
    for index in self._store.indexes.values():
        if not index.get('unique'):
            continue
        keys = [k for k, _ in index.get('key')]
        values = [_value_at(new_data, k) for k in keys]
        if index.get('sparse') and all(v is None for v in values):
            continue
        choices = [v if isinstance(v, list) and v else [v] for v in values]
        for combination in itertools.product(*choices):
            query = dict(zip(keys, combination))
            if index.get('partialFilterExpression') is not None:
                query = {'$and': [index['partialFilterExpression'], query]}
            if len(list(self._iter_documents(query))) > 1:
                raise mm_collection.DuplicateKeyError('E11000 Duplicate Key Error', 11000)


mm_collection.Collection._ensure_uniques = _ensure_uniques_multikey


class Store:
    """All databases of the double (one mongomock client) and the options mongomock lacks."""

    def __init__(self):
        self.client = mongomock.MongoClient()
        self.options = {}  # (db, collection) -> {'validator': ..., 'validationLevel': ...}

    def database(self, name):
        return self.client[name]

    def collection(self, db_name, name):
        return self.client[db_name][name]

    def collection_exists(self, db_name, name):
        return name in self.client[db_name].list_collection_names()

    def collection_options(self, db_name, name):
        return self.options.get((db_name, name), {})

    def set_collection_options(self, db_name, name, options):
        self.options.setdefault((db_name, name), {}).update(options)

    def forget_collection(self, db_name, name):
        self.options.pop((db_name, name), None)

    def forget_database(self, db_name):
        for key in [k for k in self.options if k[0] == db_name]:
            del self.options[key]

    def database_names(self):
        return self.client.list_database_names()

    @staticmethod
    def put_back(coll, doc):
        """Stores @doc (a copy of a document's earlier version) in place of the current one."""
        object_id = doc['_id']
        if isinstance(object_id, dict):
            object_id = mm_helpers.hashdict(object_id)
        coll._store[object_id] = doc

    @staticmethod
    def remove_by_id(coll, object_id):
        coll.delete_one({'_id': object_id})

    @staticmethod
    def duplicate_message(coll, doc, exclude_id=False):
        """MongoDB's E11000 text for @doc against @coll's unique indexes (and _id).

        @exclude_id: @doc is already stored (an update): ignore the document with its _id.
        """
        namespace = '%s.%s' % (coll.database.name, coll.name)
        indexes = coll.index_information()
        for name, info in indexes.items():
            keys = [k for k, _ in info['key']]
            if name != '_id_' and not info.get('unique'):
                continue
            values = [_value_at(doc, k) for k in keys]
            if info.get('sparse') and all(v is None for v in values):
                continue
            query = {k: ({'$in': v} if isinstance(v, list) and v else v)
                     for k, v in zip(keys, values)}
            if info.get('partialFilterExpression'):
                query = {'$and': [info['partialFilterExpression'], query]}
            if exclude_id or name != '_id_':
                query = {'$and': [query, {'_id': {'$ne': doc.get('_id')}}]}
            if coll.find_one(query, {'_id': 1}) is not None:
                return 'E11000 duplicate key error collection: %s index: %s dup key: %s' % (
                    namespace, name, _key_text(keys, values))
        return 'E11000 duplicate key error collection: %s' % namespace
