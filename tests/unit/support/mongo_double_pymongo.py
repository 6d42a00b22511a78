#!/usr/bin/python3
"""The MongoDB test double seen from a second driver, pymongo 3.11 (ctest unit/support/
mongo_double_pymongo): the commands the C test does not reach. Exit 77 (skipped, with the
reason) when pymongo or mongomock is missing."""

import os
import subprocess
import sys

try:
    import mongomock  # noqa: F401
    import pymongo
    from bson.int64 import Int64
except ImportError as exc:
    print('SKIPPED mongo double (pymongo): %s' % exc, file=sys.stderr)
    sys.exit(77)

SCRIPT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', '..', 'support',
                      'mongo_double.py')


def expect_error(code, fn):
    try:
        fn()
    except pymongo.errors.PyMongoError as exc:
        details = getattr(exc, 'details', None) or {}
        got = details.get('code') or (details.get('writeErrors') or [{}])[0].get('code')
        assert got == code, (code, details)
        return details
    raise AssertionError('expected error %d' % code)


def run(port):
    client = pymongo.MongoClient('127.0.0.1', port, serverSelectionTimeoutMS=5000)
    db = client.t_pymongo
    assert client.admin.command('hello')['maxWireVersion'] == 13

    # unordered insert: the duplicate is reported, the rest inserted
    details = expect_error(11000, lambda: db.u.insert_many(
        [{'_id': 1}, {'_id': 1}, {'_id': 2}], ordered=False))
    assert details['nInserted'] == 2
    assert 'index: _id_ dup key' in details['writeErrors'][0]['errmsg']

    # update: multi, upsert, counts
    result = db.u.update_many({}, {'$set': {'z': Int64(1)}})
    assert (result.matched_count, result.modified_count) == (2, 2)
    result = db.u.update_one({'_id': 5}, {'$set': {'z': 1}}, upsert=True)
    assert result.upserted_id == 5
    assert sorted(db.u.distinct('_id')) == [1, 2, 5]
    assert db.u.count_documents({'z': 1}) == 3
    assert db.u.delete_one({'z': 1}).deleted_count == 1
    assert db.u.estimated_document_count() == 2

    # findAndModify remove with fields, then an absent document
    assert db.u.find_one_and_delete({'_id': 2}, projection={'_id': 1}) == {'_id': 2}
    assert db.u.find_one_and_delete({'_id': 2}) is None

    # indexes: sparse unique allows several missing keys; text accepted with a note
    db.s.create_index('code', unique=True, sparse=True)
    db.s.insert_many([{'_id': 1}, {'_id': 2}, {'_id': 3, 'code': 'a'}])
    expect_error(11000, lambda: db.s.insert_one({'_id': 4, 'code': 'a'}))
    reply = db.command('createIndexes', 's', indexes=[{'key': {'body': 'text'},
                                                       'name': 'body_text'}])
    assert 'not emulated' in reply['note']
    names = [i['name'] for i in db.s.list_indexes()]
    assert names == ['_id_', 'code_1', 'body_text'], names
    db.s.drop_index('body_text')
    expect_error(27, lambda: db.s.drop_index('body_text'))

    # a unique index on an array field holds each element (multikey), as MongoDB's does: an
    # element already held by another document is a duplicate, in an insert or an update
    db.m.create_index('links', unique=True)
    db.m.insert_many([{'_id': 1, 'links': ['a#1', 'b#1']}, {'_id': 2, 'links': ['a#2']}])
    details = expect_error(11000, lambda: db.m.insert_one({'_id': 3, 'links': ['c#1', 'a#1']}))
    assert 'index: links_1 dup key' in details['errmsg'], details
    expect_error(11000, lambda: db.m.insert_one({'_id': 4, 'links': 'b#1'}))
    expect_error(11000, lambda: db.m.update_one({'_id': 2}, {'$push': {'links': 'b#1'}}))
    db.m.insert_one({'_id': 5, 'links': ['c#1', 'c#1']})
    assert sorted(db.m.distinct('_id')) == [1, 2, 5]
    assert db.m.find_one({'_id': 2})['links'] == ['a#2']

    # not emulated: said, not pretended
    expect_error(238, lambda: db.s.update_one({'_id': 1}, [{'$set': {'a': 1}}]))

    # a cursor closed early is killed on the server
    db.k.insert_many([{'i': i} for i in range(300)])
    cursor = db.k.find().batch_size(10)
    next(cursor)
    cursor.close()

    # collections and databases
    db.create_collection('v', validator={'$jsonSchema': {'required': ['a']}})
    expect_error(121, lambda: db.v.insert_one({'b': 1}))
    expect_error(2, lambda: db.command('collMod', 'v',
                                       validator={'$jsonSchema': {'if': {}}}))
    assert db.command('validate', 'v')['valid'] is True
    assert 't_pymongo' in client.list_database_names()
    client.drop_database('t_pymongo')
    assert 't_pymongo' not in client.list_database_names()
    client.close()


def main():
    double = subprocess.Popen(['/usr/bin/python3', SCRIPT, '--port', '0', '--exit-on-stdin-eof'],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE)
    try:
        line = double.stdout.readline().decode()
        assert line.startswith('port='), line
        run(int(line[5:]))
    finally:
        double.terminate()
        status = double.wait(timeout=10)
    assert status == 0, status
    print('mongo double (pymongo): all checks passed')


if __name__ == '__main__':
    main()
