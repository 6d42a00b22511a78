#!/usr/bin/python3
"""Writes a CSV of N listings (default 10,000) for the search benchmark, in the format of
POST /v1/admin/import/listings: French titles and descriptions built from a vocabulary of
goods and services lent in the social and solidarity economy, spread over the five
départements of Hauts-de-France. Goods take reservations without notice or buffer up to
730 days ahead (bench/run.sh reserves them). Deterministic (seeded) so that runs are
comparable.

usage: seed_listings.py OWNER_ID [N] > listings.csv
"""
import csv
import random
import sys

GOODS = [
    ("velos-cargo", "Vélo cargo", ["biporteur", "triporteur", "électrique", "remorque"]),
    ("tentes-barnums", "Tente", ["barnum", "tonnelle", "pliante", "6x3 m"]),
    ("mobilier-evenementiel", "Tables et bancs", ["brasserie", "pliants", "lot de 10"]),
    ("sonorisation-video", "Sonorisation", ["enceinte", "micro HF", "vidéoprojecteur"]),
    ("outillage", "Outillage", ["perceuse", "scie sauteuse", "visseuse", "établi"]),
    ("exposition-signaletique", "Panneaux d'exposition", ["grilles", "kakémono", "chevalet"]),
    ("cuisine-vaisselle", "Vaisselle", ["gobelets réutilisables", "marmite", "percolateur"]),
    ("jeux", "Jeux en bois", ["géants", "coopératifs", "kermesse"]),
    ("materiel-informatique", "Ordinateur portable", ["reconditionné", "tablette", "écran"]),
    ("vehicules", "Utilitaire", ["camionnette", "remorque", "minibus"]),
]
SERVICES = [
    ("animation-facilitation", "Animation de réunion", ["facilitation", "intelligence collective"]),
    ("transition-ecologique", "Conseil en transition écologique", ["bilan carbone", "sobriété"]),
    ("communication", "Aide à la communication", ["affiches", "réseaux sociaux"]),
    ("formation", "Formation", ["premiers secours", "gestion de projet"]),
]
PLACES = [("59", "Lille"), ("59", "Roubaix"), ("59", "Dunkerque"), ("62", "Arras"),
          ("62", "Lens"), ("80", "Amiens"), ("80", "Abbeville"), ("60", "Beauvais"),
          ("60", "Compiègne"), ("02", "Laon"), ("02", "Saint-Quentin")]
WORDS = ("prêt solidaire matériel association réseau mutualisation bénévoles quartier "
         "festival atelier chantier jardin fête école centre social recyclerie").split()

COLUMNS = ["owner_id", "kind", "title", "description", "category", "tags", "departement",
           "commune", "visibility", "status", "quantity", "condition", "max_days",
           "min_notice_hours", "buffer_hours", "horizon_days", "format", "duration_minutes"]


def main():
    owner = sys.argv[1]
    count = int(sys.argv[2]) if len(sys.argv) > 2 else 10000
    rng = random.Random(2026)
    out = csv.writer(sys.stdout, delimiter=";", lineterminator="\r\n")
    out.writerow(COLUMNS)
    for i in range(count):
        departement, commune = rng.choice(PLACES)
        service = rng.random() < 0.25
        category, noun, tags = rng.choice(SERVICES if service else GOODS)
        extra = rng.choice(tags)
        title = f"{noun} {extra} n°{i}"
        description = " ".join(rng.choice(WORDS) for _ in range(40)) + f" {noun.lower()} {commune}."
        row = {
            "owner_id": owner,
            "kind": "service" if service else "good",
            "title": title,
            "description": description,
            "category": category,
            "tags": "|".join(rng.sample(tags, min(2, len(tags)))),
            "departement": departement,
            "commune": commune,
            "visibility": "public" if rng.random() < 0.5 else "networks",
            "status": "published",
            "quantity": "" if service else str(rng.randint(1, 4)),
            "condition": "" if service else rng.choice(["new", "good", "fair"]),
            # goods can be reserved from now on, back to back, up to two years ahead
            "max_days": "" if service else "7",
            "min_notice_hours": "" if service else "0",
            "buffer_hours": "" if service else "0",
            "horizon_days": "" if service else "730",
            "format": rng.choice(["on_site", "remote", "both"]) if service else "",
            "duration_minutes": str(rng.choice([60, 120, 180])) if service else "",
        }
        out.writerow([row[c] for c in COLUMNS])


if __name__ == "__main__":
    main()
