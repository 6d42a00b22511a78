#!/bin/sh
# One-shot, in the mongo image: the key file the members of the replica set authenticate
# each other with (--keyFile), created once in the mongo-keyfile volume, owned by the
# mongodb user and readable by it only, as mongod requires.
set -eu
file=/keyfile/mongo.key
if [ ! -s "$file" ]; then
  umask 077
  # 756 random bytes: 1008 base64 characters (mongod accepts 6 to 1024).
  head -c 756 /dev/urandom | base64 | tr -d '\n' >"$file.tmp"
  mv "$file.tmp" "$file"
  echo "mongo-keyfile : clé créée / key file created"
fi
chown mongodb:mongodb "$file"
chmod 0400 "$file"
