#!/bin/bash
# One-shot, in the mongo image, once the three members answer: initiates the replica set
# rs0 (mongo1, mongo2, mongo3) when it is not yet, waits for a primary, then creates (or
# updates the password of) mutuad's user in its database. Safe to run again at every
# `docker compose up`: each step checks before acting.
# Environment: MONGO_ROOT_USERNAME, MONGO_ROOT_PASSWORD (the administrator created by the
# mongo image on mongo1), MUTUA_MONGODB_DATABASE, MUTUA_MONGODB_USER, MUTUA_MONGODB_PASSWORD.
set -euo pipefail
: "${MONGO_ROOT_USERNAME:?}" "${MONGO_ROOT_PASSWORD:?}"
: "${MUTUA_MONGODB_DATABASE:?}" "${MUTUA_MONGODB_USER:?}" "${MUTUA_MONGODB_PASSWORD:?}"
export MONGO_ROOT_USERNAME MONGO_ROOT_PASSWORD MUTUA_MONGODB_DATABASE MUTUA_MONGODB_USER \
  MUTUA_MONGODB_PASSWORD

# mutuad's password goes to mongosh through the environment (process.env), not as an argument.
root_uri="mongodb://mongo1:27017/?directConnection=true&authSource=admin"
set_uri="mongodb://mongo1:27017,mongo2:27017,mongo3:27017/?replicaSet=rs0&authSource=admin"
auth=(--quiet --username "$MONGO_ROOT_USERNAME" --password "$MONGO_ROOT_PASSWORD")

# 1. The replica set, from mongo1 (the members' data is empty but mongo1's administrator).
mongosh "${auth[@]}" "$root_uri" --eval '
  let initiated = true;
  try {
    rs.status();
  } catch (e) {
    if (e.codeName !== "NotYetInitialized") throw e;
    initiated = false;
  }
  if (initiated) {
    print("mongo-init : rs0 existe déjà / rs0 already initiated");
  } else {
    rs.initiate({
      _id: "rs0",
      members: [
        { _id: 0, host: "mongo1:27017", priority: 2 },
        { _id: 1, host: "mongo2:27017", priority: 1 },
        { _id: 2, host: "mongo3:27017", priority: 1 },
      ],
    });
    print("mongo-init : rs0 initialisé / rs0 initiated");
  }
'

# 2. A primary (an election takes a few seconds after rs.initiate), then mutuad's user.
for attempt in $(seq 1 60); do
  if mongosh "${auth[@]}" "$set_uri" --eval '
      const app = db.getSiblingDB(process.env.MUTUA_MONGODB_DATABASE);
      const name = process.env.MUTUA_MONGODB_USER;
      const roles = [
        { role: "readWrite", db: app.getName() },
        { role: "dbAdmin", db: app.getName() },
      ];
      const wc = { w: "majority", wtimeout: 30000 };
      if (app.getUser(name)) {
        app.updateUser(name, { pwd: process.env.MUTUA_MONGODB_PASSWORD, roles }, wc);
        print("mongo-init : utilisateur mis à jour / user updated: " + name);
      } else {
        app.createUser({ user: name, pwd: process.env.MUTUA_MONGODB_PASSWORD, roles }, wc);
        print("mongo-init : utilisateur créé / user created: " + name);
      }
    '; then
    exit 0
  fi
  echo "mongo-init : pas encore de primaire (essai $attempt) / no primary yet (attempt $attempt)"
  sleep 2
done
echo "mongo-init : aucun primaire en 2 minutes / no primary within 2 minutes" >&2
exit 1
