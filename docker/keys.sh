#!/bin/sh
# The signing keys of mutuad in a container (docs/deploy.md). Several mutuad instances that
# share one MongoDB store must sign with the same keys: they all mount one keys volume,
# read-only, and only this script (the one-shot "keys" service of docker/compose.yml) writes
# it, so no two instances ever create a first key each.
#   mutua-keys init          create the first key when there is none (idempotent)
#   mutua-keys rotate        add a new key, which signs once every instance has reloaded
#   mutua-keys list          the key files, oldest first (the last one signs)
#   mutua-keys retire FILE   delete one key file (FILE as listed), never the last key
# Keys are in "${MUTUA_DATA_DIR}/keys", as mutuad reads them.
set -eu
data_dir=${MUTUA_DATA_DIR:-/var/lib/mutua}
keys_dir="$data_dir/keys"

count_keys() {
  find "$keys_dir" -maxdepth 1 -type f -name '*.k4.secret' | wc -l
}

case "${1:-}" in
  init)
    if [ -d "$keys_dir" ] && [ "$(count_keys)" -gt 0 ]; then
      echo "mutua-keys : $(count_keys) clé(s) déjà présente(s) / key(s) already there"
    else
      mutuad rotate-key --data-dir "$data_dir"
    fi
    ;;
  rotate)
    mutuad rotate-key --data-dir "$data_dir"
    ;;
  list)
    find "$keys_dir" -maxdepth 1 -type f -name '*.k4.secret' -printf '%f\n' | sort
    ;;
  retire)
    name=${2:-}
    case "$name" in
      '' | */* | .*)
        echo "mutua-keys : nom de fichier attendu / a key file name is expected" >&2
        exit 2
        ;;
    esac
    if [ ! -f "$keys_dir/$name" ]; then
      echo "mutua-keys : $name n'existe pas / does not exist" >&2
      exit 1
    fi
    if [ "$(count_keys)" -le 1 ]; then
      echo "mutua-keys : c'est la dernière clé / this is the last key" >&2
      exit 1
    fi
    rm -- "$keys_dir/$name"
    echo "mutua-keys : $name supprimée / deleted"
    ;;
  *)
    echo "usage : mutua-keys init | rotate | list | retire FILE" >&2
    exit 2
    ;;
esac
