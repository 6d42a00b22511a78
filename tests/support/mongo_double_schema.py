"""The `$jsonSchema` collection validators of the MongoDB test double.

mongomock stores no validator; the double keeps each collection's `validator` and checks every
document written (insert, update, findAndModify) with this subset of MongoDB's $jsonSchema:
bsonType / type, required, properties, additionalProperties (bool or schema), enum, minimum,
maximum, exclusiveMinimum/exclusiveMaximum (booleans, as MongoDB's draft 4), minLength,
maxLength, pattern, items (one schema), minItems, maxItems, uniqueItems, anyOf, allOf, oneOf,
not. A validator that holds anything other than $jsonSchema (query operators) is checked with
mongomock's filter. Unknown keywords are rejected when the validator is set, so that a schema
the double cannot enforce is never silently accepted.
"""

import datetime
import re
import uuid

from bson.binary import Binary
from bson.code import Code
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

from mongomock.filtering import filter_applies

KEYWORDS = {
    'bsonType', 'type', 'required', 'properties', 'additionalProperties', 'enum', 'minimum',
    'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'minLength', 'maxLength', 'pattern',
    'items', 'minItems', 'maxItems', 'uniqueItems', 'anyOf', 'allOf', 'oneOf', 'not',
    'title', 'description',
}


class SchemaError(Exception):
    """A validator the double cannot enforce (answered as code 2 BadValue)."""


def _bson_type(value):
    if isinstance(value, bool):
        return 'bool'
    if isinstance(value, Int64):
        return 'long'
    if isinstance(value, int):
        return 'int' if -2**31 <= value < 2**31 else 'long'
    if isinstance(value, float):
        return 'double'
    if isinstance(value, Decimal128):
        return 'decimal'
    if isinstance(value, str):
        return 'string'
    if isinstance(value, dict):
        return 'object'
    if isinstance(value, (list, tuple)):
        return 'array'
    if isinstance(value, (bytes, Binary, uuid.UUID)):
        return 'binData'
    if isinstance(value, ObjectId):
        return 'objectId'
    if isinstance(value, datetime.datetime):
        return 'date'
    if value is None:
        return 'null'
    if isinstance(value, (Regex, re.Pattern)):
        return 'regex'
    if isinstance(value, Timestamp):
        return 'timestamp'
    if isinstance(value, Code):
        return 'javascript'
    return 'unknown'


_JSON_TYPES = {
    'object': {'object'},
    'array': {'array'},
    'string': {'string'},
    'boolean': {'bool'},
    'null': {'null'},
    'number': {'int', 'long', 'double', 'decimal'},
}


def _type_matches(value, wanted, json_type):
    actual = _bson_type(value)
    for name in wanted if isinstance(wanted, list) else [wanted]:
        if json_type:
            if actual in _JSON_TYPES.get(name, set()):
                return True
        elif name == actual or (name == 'number' and actual in _JSON_TYPES['number']):
            return True
    return False


def _same(a, b):
    # True == 1 in Python, not in BSON
    return a == b and isinstance(a, bool) == isinstance(b, bool)


def _is_number(value):
    return _bson_type(value) in _JSON_TYPES['number']


def _number(value):
    return value.to_decimal() if isinstance(value, Decimal128) else value


def check_schema_keywords(schema):
    """Raises SchemaError when @schema uses a keyword this module does not enforce."""
    if not isinstance(schema, dict):
        raise SchemaError('a $jsonSchema must be a document')
    for key, value in schema.items():
        if key not in KEYWORDS:
            raise SchemaError("$jsonSchema keyword '%s' is not emulated by the mongo double" % key)
        if key == 'properties':
            for sub in value.values():
                check_schema_keywords(sub)
        elif key in ('items', 'not') or (key == 'additionalProperties' and
                                          isinstance(value, dict)):
            check_schema_keywords(value)
        elif key in ('anyOf', 'allOf', 'oneOf'):
            for sub in value:
                check_schema_keywords(sub)


def _violation(schema, value, path):
    """The first rule of @schema that @value breaks, as text, or None."""
    where = path or 'document'
    if 'bsonType' in schema and not _type_matches(value, schema['bsonType'], False):
        return '%s: bsonType %s expected, got %s' % (where, schema['bsonType'], _bson_type(value))
    if 'type' in schema and not _type_matches(value, schema['type'], True):
        return '%s: type %s expected, got %s' % (where, schema['type'], _bson_type(value))
    if 'enum' in schema and not any(_same(value, e) for e in schema['enum']):
        return '%s: not one of the enum values' % where
    if _is_number(value):
        number = _number(value)
        if 'minimum' in schema:
            low = _number(schema['minimum'])
            if number < low or (schema.get('exclusiveMinimum') is True and number == low):
                return '%s: below the minimum %s' % (where, low)
        if 'maximum' in schema:
            high = _number(schema['maximum'])
            if number > high or (schema.get('exclusiveMaximum') is True and number == high):
                return '%s: above the maximum %s' % (where, high)
    if isinstance(value, str):
        if 'minLength' in schema and len(value) < schema['minLength']:
            return '%s: shorter than %s characters' % (where, schema['minLength'])
        if 'maxLength' in schema and len(value) > schema['maxLength']:
            return '%s: longer than %s characters' % (where, schema['maxLength'])
        if 'pattern' in schema and not re.search(schema['pattern'], value):
            return '%s: does not match %s' % (where, schema['pattern'])
    if isinstance(value, dict):
        for name in schema.get('required', []):
            if name not in value:
                return '%s: required property %s is missing' % (where, name)
        properties = schema.get('properties', {})
        for name, sub_value in value.items():
            sub_path = '%s.%s' % (path, name) if path else name
            if name in properties:
                found = _violation(properties[name], sub_value, sub_path)
                if found:
                    return found
            elif schema.get('additionalProperties') is False:
                return '%s: additional property %s is not allowed' % (where, name)
            elif isinstance(schema.get('additionalProperties'), dict):
                found = _violation(schema['additionalProperties'], sub_value, sub_path)
                if found:
                    return found
    if isinstance(value, list):
        if 'minItems' in schema and len(value) < schema['minItems']:
            return '%s: fewer than %s items' % (where, schema['minItems'])
        if 'maxItems' in schema and len(value) > schema['maxItems']:
            return '%s: more than %s items' % (where, schema['maxItems'])
        if schema.get('uniqueItems') is True:
            for i, item in enumerate(value):
                if item in value[:i]:
                    return '%s: items are not unique' % where
        if 'items' in schema:
            for i, item in enumerate(value):
                found = _violation(schema['items'], item, '%s.%d' % (path, i) if path else str(i))
                if found:
                    return found
    for sub in schema.get('allOf', []):
        found = _violation(sub, value, path)
        if found:
            return found
    if 'anyOf' in schema and all(_violation(sub, value, path) for sub in schema['anyOf']):
        return '%s: matches none of anyOf' % where
    if 'oneOf' in schema and sum(
            1 for sub in schema['oneOf'] if not _violation(sub, value, path)) != 1:
        return '%s: does not match exactly one of oneOf' % where
    if 'not' in schema and not _violation(schema['not'], value, path):
        return '%s: matches a schema under not' % where
    return None


def check_validator(validator):
    """Raises SchemaError when @validator cannot be enforced by validation_failure."""
    if not isinstance(validator, dict):
        raise SchemaError('validator must be a document')
    if '$jsonSchema' in validator:
        check_schema_keywords(validator['$jsonSchema'])


def validation_failure(validator, doc):
    """Why @doc fails @validator (a collection's `validator` option), or None when it passes."""
    if not validator:
        return None
    schema = validator.get('$jsonSchema')
    if schema is not None:
        found = _violation(schema, doc, '')
        if found:
            return found
    rest = {k: v for k, v in validator.items() if k != '$jsonSchema'}
    if rest and not filter_applies(rest, doc):
        return 'the document does not match the validator query'
    return None
