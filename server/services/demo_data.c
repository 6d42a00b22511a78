/*
 * demo_data: the networks, organisations, people, listings, reservations, service bookings
 * and needs of the demonstration data set.
 * Add an organisation, a listing or a reservation by adding a row; keep existing keys, e-mails,
 * listing titles and reservation messages unchanged, since a store loaded before finds its
 * demo organisations, listings and reservations through them.
 */
#include "demo_data.h"

#include "demo.h"

#include <string.h>

#define APES MT_DEMO_NET_APES
#define MRES MT_DEMO_NET_MRES

const mt_demo_network_t mt_demo_networks[MT_DEMO_NETWORK_COUNT] = {
  {
    .slug = "apes",
    .name = "Apes",
    .description =
      "Acteurs pour une économie solidaire : le réseau des associations, coopératives et "
      "entreprises de l'économie sociale et solidaire des Hauts-de-France, qui mutualisent "
      "leur matériel et leurs savoir-faire.",
  },
  {
    .slug = "mres",
    .name = "MRES",
    .description =
      "Maison régionale de l'environnement et des solidarités : le réseau des associations "
      "de l'environnement, des solidarités et de la citoyenneté des Hauts-de-France.",
  },
};

const mt_demo_org_t mt_demo_orgs[] = {
  /* ---- 59 Nord ----------------------------------------------------------------------------- */
  {
    .key = "velo-lille",
    .name = "Les Mains dans le Guidon",
    .kind = "association",
    .departement = "59",
    .commune = "Lille",
    .lat = 50.6292,
    .lon = 3.0573,
    .description =
      "Atelier vélo participatif et solidaire du quartier de Fives : on y apprend à réparer son "
      "vélo soi-même, avec des bénévoles et des outils partagés. L'association prête ses deux "
      "vélos cargos et anime des ateliers d'autoréparation dans les centres sociaux de la "
      "métropole.",
    .email = "contact@mains-guidon.exemple.fr",
    .phone = "03 53 01 10 01",
    .website = "https://mains-guidon.exemple.fr",
    .networks = APES | MRES,
    .status = "active",
    .people = { { "Camille Lefebvre", "camille.lefebvre@mains-guidon.exemple.fr", "manager" },
                { "Mehdi Benali", "mehdi.benali@mains-guidon.exemple.fr", "staff" } },
  },
  {
    .key = "recyclerie-roubaix",
    .name = "La Recyclerie du Pile",
    .kind = "association",
    .departement = "59",
    .commune = "Roubaix",
    .lat = 50.6942,
    .lon = 3.1746,
    .description =
      "Recyclerie et chantier d'insertion : collecte, tri, réparation et revente à petits prix "
      "d'objets du quotidien. Nous prêtons des tables pliantes, des barnums et une remorque, et "
      "partageons notre savoir-faire sur le réemploi.",
    .email = "contact@recyclerie-pile.exemple.fr",
    .phone = "03 53 01 10 02",
    .website = "https://recyclerie-pile.exemple.fr",
    .networks = APES,
    .status = "active",
    .people = { { "Nadia Haddad", "nadia.haddad@recyclerie-pile.exemple.fr", "manager" },
                { "Julien Vandenbussche", "julien.vandenbussche@recyclerie-pile.exemple.fr",
                  "staff" },
                { "Sophie Delannoy", "sophie.delannoy@recyclerie-pile.exemple.fr", "staff" } },
  },
  {
    .key = "cafe-tourcoing",
    .name = "Le Comptoir des Voisins",
    .kind = "association",
    .departement = "59",
    .commune = "Tourcoing",
    .lat = 50.7239,
    .lon = 3.1612,
    .description =
      "Café associatif et lieu de rencontre : concerts, repair café mensuel, soirées jeux et "
      "permanences d'associations. Une salle de 60 places à partager et une sono légère pour "
      "les fêtes de quartier.",
    .email = "contact@comptoir-voisins.exemple.fr",
    .phone = "03 53 01 10 03",
    .website = "https://comptoir-voisins.exemple.fr",
    .networks = APES,
    .status = "active",
    .people = { { "Élodie Descamps", "elodie.descamps@comptoir-voisins.exemple.fr", "manager" },
                { "Karim Mansouri", "karim.mansouri@comptoir-voisins.exemple.fr", "staff" } },
  },
  {
    .key = "cae-villeneuve",
    .name = "Coopérative Tandem",
    .kind = "cooperative",
    .departement = "59",
    .commune = "Villeneuve-d'Ascq",
    .lat = 50.6233,
    .lon = 3.1450,
    .description =
      "Coopérative d'activité et d'emploi (SCOP) : une quarantaine d'entrepreneurs-salariés y "
      "développent leur activité en commun. Accompagnement à la création d'activité, animation "
      "de réunions et d'assemblées générales, aide à la communication.",
    .email = "contact@cae-tandem.exemple.fr",
    .phone = "03 53 01 10 04",
    .website = "https://cae-tandem.exemple.fr",
    .networks = APES,
    .status = "active",
    .people = { { "Thomas Dupuis", "thomas.dupuis@cae-tandem.exemple.fr", "manager" },
                { "Aurélie Lemaire", "aurelie.lemaire@cae-tandem.exemple.fr", "staff" },
                { "Samuel Nguyen", "samuel.nguyen@cae-tandem.exemple.fr", "staff" } },
  },
  {
    .key = "nature-dunkerque",
    .name = "Dunes et Marais",
    .kind = "association",
    .departement = "59",
    .commune = "Dunkerque",
    .lat = 51.0343,
    .lon = 2.3768,
    .description =
      "Association d'éducation à l'environnement du littoral : sorties nature, animations "
      "scolaires sur la dune et les wateringues, expositions itinérantes sur la biodiversité. "
      "Elle prête ses panneaux d'exposition, des jumelles et des malles pédagogiques.",
    .email = "contact@dunes-marais.exemple.fr",
    .phone = "03 53 01 10 05",
    .website = "https://dunes-marais.exemple.fr",
    .networks = MRES,
    .status = "active",
    .people = { { "Pauline Verhaeghe", "pauline.verhaeghe@dunes-marais.exemple.fr", "manager" },
                { "Antoine Deswarte", "antoine.deswarte@dunes-marais.exemple.fr", "staff" } },
  },
  /* ---- 62 Pas-de-Calais -------------------------------------------------------------------- */
  {
    .key = "theatre-arras",
    .name = "Compagnie La Roulotte Vagabonde",
    .kind = "association",
    .departement = "62",
    .commune = "Arras",
    .lat = 50.2910,
    .lon = 2.7775,
    .description =
      "Théâtre itinérant qui joue sous chapiteau dans les villages de l'Artois et du Ternois. "
      "La compagnie prête son système son, des projecteurs et des gradins démontables, et "
      "propose des ateliers d'expression et de prise de parole pour les équipes associatives.",
    .email = "contact@roulotte-vagabonde.exemple.fr",
    .phone = "03 53 01 10 06",
    .website = "https://roulotte-vagabonde.exemple.fr",
    .networks = APES,
    .status = "active",
    .people = { { "Margaux Lenglet", "margaux.lenglet@roulotte-vagabonde.exemple.fr", "manager" },
                { "Hugo Caron", "hugo.caron@roulotte-vagabonde.exemple.fr", "staff" } },
  },
  {
    .key = "ressourcerie-lens",
    .name = "La Ressourcerie des Terrils",
    .kind = "association",
    .departement = "62",
    .commune = "Lens",
    .lat = 50.4322,
    .lon = 2.8333,
    .description =
      "Ressourcerie du bassin minier : collecte, valorisation et vente d'objets de seconde "
      "main, sensibilisation à la réduction des déchets. Outillage (scies sauteuses, "
      "perceuses) et mobilier d'événement disponibles pour les membres des réseaux.",
    .email = "contact@ressourcerie-terrils.exemple.fr",
    .phone = "03 53 01 10 07",
    .website = "https://ressourcerie-terrils.exemple.fr",
    .networks = APES | MRES,
    .status = "active",
    .people = { { "Sylvie Dumont", "sylvie.dumont@ressourcerie-terrils.exemple.fr", "manager" },
                { "Rachid Belkacem", "rachid.belkacem@ressourcerie-terrils.exemple.fr", "staff" },
                { "Kévin Wiart", "kevin.wiart@ressourcerie-terrils.exemple.fr", "staff" } },
  },
  {
    /* Signed up recently: waits in the administrators' review queue. */
    .key = "festival-boulogne",
    .name = "Festival Vents du Large",
    .kind = "association",
    .departement = "62",
    .commune = "Boulogne-sur-Mer",
    .lat = 50.7264,
    .lon = 1.6147,
    .description =
      "Festival de musiques et d'arts de la rue sur le port, chaque mois de juin, organisé par "
      "150 bénévoles. Nous cherchons des barnums, des tables et de l'aide pour l'accueil du "
      "public ; nous pouvons prêter des gilets et des talkies-walkies.",
    .email = "contact@vents-du-large.exemple.fr",
    .phone = "03 53 01 10 08",
    .website = "https://vents-du-large.exemple.fr",
    .networks = APES,
    .status = "pending",
    .people = { { "Lucie Fournier", "lucie.fournier@vents-du-large.exemple.fr", "manager" },
                { "Maxime Leroy", "maxime.leroy@vents-du-large.exemple.fr", "staff" } },
  },
  /* ---- 80 Somme ---------------------------------------------------------------------------- */
  {
    .key = "habitat-amiens",
    .name = "Toits Partagés",
    .kind = "cooperative",
    .departement = "80",
    .commune = "Amiens",
    .lat = 49.8941,
    .lon = 2.2958,
    .description =
      "SCIC d'habitat participatif : elle accompagne des groupes d'habitants de la conception "
      "à la vie du lieu et gère deux résidences coopératives. Conseils en gouvernance partagée "
      "et en rénovation écologique.",
    .email = "contact@toits-partages.exemple.fr",
    .phone = "03 53 01 10 09",
    .website = "https://toits-partages.exemple.fr",
    .networks = APES,
    .status = "active",
    .people = { { "Benoît Lagache", "benoit.lagache@toits-partages.exemple.fr", "manager" },
                { "Inès Morel", "ines.morel@toits-partages.exemple.fr", "staff" } },
  },
  {
    .key = "centre-social-abbeville",
    .name = "Centre social du Ponthieu",
    .kind = "association",
    .departement = "80",
    .commune = "Abbeville",
    .lat = 50.1054,
    .lon = 1.8332,
    .description =
      "Centre social associatif : accueil des familles, accompagnement scolaire, épicerie "
      "solidaire et sorties collectives. Salle polyvalente, vaisselle pour cent personnes et "
      "minibus à partager avec les associations du territoire.",
    .email = "contact@centre-social-ponthieu.exemple.fr",
    .phone = "03 53 01 10 10",
    .website = "https://centre-social-ponthieu.exemple.fr",
    .networks = APES | MRES,
    .status = "active",
    .people = { { "Christine Boulanger", "christine.boulanger@centre-social-ponthieu.exemple.fr",
                  "manager" },
                { "Yanis Ferhat", "yanis.ferhat@centre-social-ponthieu.exemple.fr", "staff" },
                { "Manon Lefort", "manon.lefort@centre-social-ponthieu.exemple.fr", "staff" } },
  },
  /* ---- 60 Oise ----------------------------------------------------------------------------- */
  {
    .key = "collectivite-beauvais",
    .name = "Service Vie associative de l'Agglo Beauvais-Thérain",
    .kind = "public_body",
    .departement = "60",
    .commune = "Beauvais",
    .lat = 49.4295,
    .lon = 2.0807,
    .description =
      "Service d'une collectivité qui soutient les associations du territoire : prêt de "
      "matériel événementiel (podium, grilles d'exposition, tentes), formations de bénévoles "
      "et mise à disposition de salles.",
    .email = "contact@agglo-beauvais-therain.exemple.fr",
    .phone = "03 53 01 10 11",
    .website = "https://agglo-beauvais-therain.exemple.fr",
    .networks = APES | MRES,
    .status = "active",
    .people = { { "Nathalie Roussel", "nathalie.roussel@agglo-beauvais-therain.exemple.fr",
                  "manager" },
                { "Olivier Petit", "olivier.petit@agglo-beauvais-therain.exemple.fr", "staff" } },
  },
  {
    .key = "evenement-compiegne",
    .name = "Éco-Festif Picardie",
    .kind = "company",
    .departement = "60",
    .commune = "Compiègne",
    .lat = 49.4179,
    .lon = 2.8261,
    .description =
      "Entreprise solidaire d'utilité sociale (ESUS) qui loue du matériel événementiel "
      "écoresponsable : gobelets réutilisables, toilettes sèches, vaisselle lavable. Conseil "
      "pour réduire les déchets des manifestations.",
    .email = "contact@eco-festif.exemple.fr",
    .phone = "03 53 01 10 12",
    .website = "https://eco-festif.exemple.fr",
    .networks = APES,
    .status = "active",
    .people = { { "François Marchand", "francois.marchand@eco-festif.exemple.fr", "manager" },
                { "Laura Girard", "laura.girard@eco-festif.exemple.fr", "staff" } },
  },
  /* ---- 02 Aisne ---------------------------------------------------------------------------- */
  {
    .key = "fablab-saint-quentin",
    .name = "La Fabrique du Vermandois",
    .kind = "association",
    .departement = "02",
    .commune = "Saint-Quentin",
    .lat = 49.8465,
    .lon = 3.2876,
    .description =
      "Tiers-lieu et fablab : imprimantes 3D, découpe laser, ateliers de réparation et de "
      "fabrication numérique pour les habitants et les associations. Accompagnement aux outils "
      "numériques libres.",
    .email = "contact@fabrique-vermandois.exemple.fr",
    .phone = "03 53 01 10 13",
    .website = "https://fabrique-vermandois.exemple.fr",
    .networks = APES,
    .status = "active",
    .people = { { "Julie Lecomte", "julie.lecomte@fabrique-vermandois.exemple.fr", "manager" },
                { "Damien Carpentier", "damien.carpentier@fabrique-vermandois.exemple.fr",
                  "staff" } },
  },
  {
    .key = "jardin-laon",
    .name = "Jardin partagé des Remparts",
    .kind = "association",
    .departement = "02",
    .commune = "Laon",
    .lat = 49.5641,
    .lon = 3.6199,
    .description =
      "Jardin partagé en permaculture au pied de la ville haute : parcelles collectives, "
      "compost de quartier, grainothèque et animations pour les écoles. Il prête ses outils de "
      "jardinage et un broyeur de végétaux.",
    .email = "contact@jardin-remparts.exemple.fr",
    .phone = NULL,
    .website = "https://jardin-remparts.exemple.fr",
    .networks = MRES,
    .status = "active",
    .people = { { "Gérard Lemoine", "gerard.lemoine@jardin-remparts.exemple.fr", "manager" },
                { "Fatima Zerrouki", "fatima.zerrouki@jardin-remparts.exemple.fr", "staff" } },
  },
  {
    /* Suspended by the administrators: shows how a suspension looks. */
    .key = "traiteur-soissons",
    .name = "Les Saveurs Partagées",
    .kind = "company",
    .departement = "02",
    .commune = "Soissons",
    .lat = 49.3817,
    .lon = 3.3236,
    .description =
      "Traiteur d'insertion : repas de produits locaux et de saison pour les événements "
      "associatifs, préparés par des salariés en parcours d'insertion. Cuisine mobile et "
      "chambre froide à partager.",
    .email = "contact@saveurs-partagees.exemple.fr",
    .phone = "03 53 01 10 15",
    .website = "https://saveurs-partagees.exemple.fr",
    .networks = APES,
    .status = "suspended",
    .status_reason = "Adhésion au réseau non renouvelée pour l'année en cours.",
    .people = { { "Sébastien Hennebert", "sebastien.hennebert@saveurs-partagees.exemple.fr",
                  "manager" },
                { "Amandine Poulain", "amandine.poulain@saveurs-partagees.exemple.fr", "staff" } },
  },
};

const size_t mt_demo_org_count = sizeof mt_demo_orgs / sizeof mt_demo_orgs[0];

const mt_demo_org_t *
mt_demo_org_find (const char *key)
{
  const mt_demo_org_t *found = NULL;

  for (size_t i = 0; key && i < mt_demo_org_count && !found; i++) {
    if (strcmp (mt_demo_orgs[i].key, key) == 0) {
      found = &mt_demo_orgs[i];
    }
  }
  return found;
}

const mt_demo_network_t *
mt_demo_network_find (const char *slug)
{
  const mt_demo_network_t *found = NULL;

  for (size_t i = 0; slug && i < MT_DEMO_NETWORK_COUNT && !found; i++) {
    if (strcmp (mt_demo_networks[i].slug, slug) == 0) {
      found = &mt_demo_networks[i];
    }
  }
  return found;
}

size_t
mt_demo_org_people (const mt_demo_org_t *org)
{
  size_t n = 0;

  while (n < MT_DEMO_PEOPLE_MAX && org->people[n].name) {
    n++;
  }
  return n;
}

size_t
mt_demo_account_count (void)
{
  size_t n = 0;

  for (size_t i = 0; i < mt_demo_org_count; i++) {
    n += mt_demo_org_people (&mt_demo_orgs[i]);
  }
  return n;
}

/* ==== Listings ================================================================================
 * The catalogue of the demo organisations (see demo.h for how it is loaded). Keep keys and
 * titles unchanged: a store loaded before recognises its demo listings by owner and title.
 * Street names are fictitious; postcodes and communes are real. Amounts are in euro cents.
 */

#define GOOD "good"
#define SERVICE "service"
#define NETWORKS "networks"
#define PUBLIC "public"
#define PUBLISHED "published"
#define DRAFT "draft"
#define PAUSED "paused"
#define AUTO "auto"

#define AT_VELO_LILLE "Atelier Les Mains dans le Guidon, 14 rue des Deux-Roues, 59800 Lille"
#define AT_RECYCLERIE_ROUBAIX "La Recyclerie du Pile, 37 rue du Réemploi, 59100 Roubaix"
#define AT_CAFE_TOURCOING "Le Comptoir des Voisins, 5 place des Voisins-Solidaires, 59200 Tourcoing"
#define AT_CAE_VILLENEUVE "Coopérative Tandem, 8 allée des Coopérateurs, 59650 Villeneuve-d'Ascq"
#define AT_NATURE_DUNKERQUE "Dunes et Marais, 21 quai des Oyats, 59140 Dunkerque"
#define AT_THEATRE_ARRAS "Hangar de la Roulotte Vagabonde, 3 rue des Tréteaux, 62000 Arras"
#define AT_RESSOURCERIE_LENS "La Ressourcerie des Terrils, 112 rue du Chevalement, 62300 Lens"
#define AT_HABITAT_AMIENS "Résidence Toits Partagés, 6 impasse des Bâtisseurs, 80000 Amiens"
#define AT_CENTRE_SOCIAL_ABBEVILLE "Centre social du Ponthieu, 40 rue des Familles, 80100 Abbeville"
#define AT_COLLECTIVITE_BEAUVAIS                                                                   \
  "Centre technique de l'Agglo, 2 avenue des Associations, 60000 Beauvais"
#define AT_EVENEMENT_COMPIEGNE "Éco-Festif Picardie, 17 rue du Gobelet, 60200 Compiègne"
#define AT_FABLAB_SAINT_QUENTIN                                                                    \
  "La Fabrique du Vermandois, 9 rue des Bidouilleurs, 02100 Saint-Quentin"
#define AT_JARDIN_LAON "Jardin partagé des Remparts, chemin des Remparts-Fleuris, 02000 Laon"
#define AT_TRAITEUR_SOISSONS "Les Saveurs Partagées, 25 rue des Marmites, 02200 Soissons"

const mt_demo_listing_t mt_demo_listings[] = {
  /* ---- velo-lille: Les Mains dans le Guidon (59, Lille) ----------------------------------- */
  {
    .key = "velo-lille/cargo-bakfiets",
    .kind = GOOD,
    .title = "Vélo cargo biporteur Bakfiets avec bâche",
    .description =
      "Notre biporteur hollandais, caisse en bois de 80 litres avec bâche de pluie et deux "
      "ceintures pour enfants. Idéal pour transporter du matériel de stand, faire une "
      "livraison en ville ou tester le vélo cargo avant d'en acheter un. Vitesses intégrées "
      "dans le moyeu, freins à tambour, béquille centrale très stable.",
    .category = "velos-cargo",
    .tags = { "vélo", "cargo", "biporteur", "transport", "livraison" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 62,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 280000,
    .deposit_cents = 50000,
    .max_days = 7,
    .min_notice_hours = 48,
    .buffer_hours = 12,
    .horizon_days = 90,
    .pickup_address = AT_VELO_LILLE,
    .pickup_instructions =
      "Entrer par la cour et sonner à l'atelier (mardi à samedi, 14 h - 19 h). Prise en main "
      "d'un quart d'heure au premier emprunt. Antivol, casque et bâche fournis.",
    .blackouts = { { 20, 23, "Révision annuelle à l'atelier" } },
    .credit_price_per_day = 5,
  },
  {
    .key = "velo-lille/cargo-triporteur",
    .kind = GOOD,
    .title = "Vélo cargo triporteur à assistance électrique",
    .description =
      "Triporteur à assistance électrique, caisse avant de 150 litres fermant à clé, charge "
      "utile 100 kg. Autonomie d'environ 50 km avec la batterie fournie (chargeur inclus). "
      "Parfait pour une tournée de collecte, un marché ou une animation mobile.",
    .category = "velos-cargo",
    .tags = { "vélo", "cargo", "triporteur", "électrique", "transport" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 58,
    .author = 1,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 450000,
    .deposit_cents = 80000,
    .max_days = 3,
    .min_notice_hours = 48,
    .buffer_hours = 24,
    .horizon_days = 90,
    .pickup_address = AT_VELO_LILLE,
    .pickup_instructions =
      "Batterie chargée au départ, à rendre chargée. Un essai dans la cour est demandé avant "
      "le premier départ.",
    .blackouts = { { 45, 52, "Tournée des ateliers dans les centres sociaux" } },
    .credit_price_per_day = 8,
  },
  {
    .key = "velo-lille/remorque-velo",
    .kind = GOOD,
    .title = "Remorque vélo plateau, charge 80 kg",
    .description =
      "Remorque à un essieu qui s'attelle à presque tous les vélos (attache fournie). Plateau "
      "de 120 x 60 cm avec sangles : parfait pour déplacer une sono, des caisses ou des "
      "tables pliantes sans voiture.",
    .category = "velos-cargo",
    .tags = { "remorque", "vélo", "transport" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 40,
    .author = 1,
    .quantity = 2,
    .condition = "fair",
    .replacement_value_cents = 45000,
    .deposit_cents = 10000,
    .approval = AUTO,
    .pickup_address = AT_VELO_LILLE,
  },
  {
    .key = "velo-lille/caisse-outils",
    .kind = GOOD,
    .title = "Caisse à outils vélo complète et pied d'atelier",
    .description =
      "Tout pour animer un atelier de réparation en plein air : pied d'atelier pliant, "
      "démonte-pneus, clés plates et Allen, dérive-chaîne, pompe à pied avec manomètre, "
      "rustines et câbles de rechange. Une fiche d'inventaire est dans le couvercle.",
    .category = "outillage",
    .tags = { "vélo", "réparation", "outils", "atelier" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 33,
    .quantity = 2,
    .condition = "fair",
    .replacement_value_cents = 35000,
    .deposit_cents = 10000,
    .max_days = 10,
    .approval = AUTO,
    .pickup_address = AT_VELO_LILLE,
    .pickup_instructions = "Vérifier l'inventaire avec nous au départ et au retour.",
  },
  {
    .key = "velo-lille/atelier-autoreparation",
    .kind = SERVICE,
    .title = "Atelier mobile d'autoréparation vélo",
    .description =
      "Nous venons avec nos outils et deux mécaniciens bénévoles pour apprendre à vos "
      "publics à régler leurs freins, réparer une crevaison ou changer une chaîne. Jusqu'à "
      "quinze vélos par séance, dans votre cour ou sur un marché.",
    .category = "autres-services",
    .tags = { "vélo", "réparation", "mobilité", "atelier" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 55,
    .format = "on_site",
    .duration_minutes = 180,
    .credit_rate_per_hour = 3,
    .languages = { "fr", "ar" },
  },

  /* ---- recyclerie-roubaix: La Recyclerie du Pile (59, Roubaix) ---------------------------- */
  {
    .key = "recyclerie-roubaix/tables-brasserie",
    .kind = GOOD,
    .title = "Lot de 10 tables brasserie et 20 bancs",
    .description =
      "Ensembles brasserie en bois (tables de 220 x 50 cm, bancs assortis), pieds pliants. "
      "De quoi asseoir 80 personnes pour un repas de quartier ou une assemblée générale. "
      "Se transporte dans un utilitaire de 12 m³.",
    .category = "mobilier-evenementiel",
    .tags = { "tables", "bancs", "brasserie", "repas", "fête" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 70,
    .quantity = 3,
    .condition = "good",
    .replacement_value_cents = 150000,
    .deposit_cents = 30000,
    .max_days = 5,
    .min_notice_hours = 72,
    .buffer_hours = 24,
    .pickup_address = AT_RECYCLERIE_ROUBAIX,
    .pickup_instructions =
      "Quai de chargement à l'arrière du bâtiment, accès par la rue du Réemploi. Prévoir "
      "deux personnes pour charger.",
    .credit_price_per_day = 4,
  },
  {
    .key = "recyclerie-roubaix/barnum-3x6",
    .kind = GOOD,
    .title = "Barnum 3x6 m blanc avec lestage",
    .description =
      "Barnum pliant 3 x 6 m, toile blanche avec quatre murs dont deux à fenêtres. Fourni avec "
      "quatre poids de lestage de 15 kg et une housse à roulettes. Se monte à deux en vingt "
      "minutes.",
    .category = "tentes-barnums",
    .tags = { "barnum", "tente", "abri", "extérieur" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 68,
    .author = 1,
    .quantity = 2,
    .condition = "good",
    .replacement_value_cents = 90000,
    .deposit_cents = 20000,
    .max_days = 4,
    .min_notice_hours = 72,
    .buffer_hours = 24,
    .pickup_address = AT_RECYCLERIE_ROUBAIX,
    .pickup_instructions =
      "Housse de 1,60 m : prévoir un utilitaire ou un break. Toile à rendre sèche (ou à "
      "nous signaler pour qu'on la fasse sécher).",
    .blackouts = { { 30, 32, "Grande braderie de la Recyclerie" } },
    .credit_price_per_day = 3,
  },
  {
    .key = "recyclerie-roubaix/remorque-750",
    .kind = GOOD,
    .title = "Remorque bâchée 750 kg (permis B)",
    .description =
      "Remorque de 2,50 x 1,30 m, bâche haute et ridelles, charge utile 750 kg, se conduit "
      "avec le permis B. Prise 7 broches ; adaptateur 13 broches disponible sur demande.",
    .category = "vehicules",
    .tags = { "remorque", "transport", "déménagement" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 47,
    .author = 2,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 150000,
    .deposit_cents = 50000,
    .max_days = 3,
    .min_notice_hours = 48,
    .pickup_address = AT_RECYCLERIE_ROUBAIX,
    .pickup_instructions = "Apporter la carte grise du véhicule tracteur et une attestation "
                           "d'assurance.",
  },
  {
    .key = "recyclerie-roubaix/vaisselle-reemploi",
    .kind = GOOD,
    .title = "Caisse de vaisselle de réemploi pour 50 personnes",
    .description =
      "Assiettes, verres, bols et couverts dépareillés issus de nos collectes, triés et "
      "comptés : de quoi servir 50 repas sans jetable. À rendre propre ; la casse n'est pas "
      "facturée, c'est de la vaisselle de seconde vie.",
    .category = "cuisine-vaisselle",
    .tags = { "vaisselle", "zéro déchet", "repas", "réemploi" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 25,
    .author = 2,
    .quantity = 2,
    .condition = "fair",
    .replacement_value_cents = 20000,
    .deposit_cents = 5000,
    .max_days = 7,
    .approval = AUTO,
    .pickup_address = AT_RECYCLERIE_ROUBAIX,
  },
  {
    .key = "recyclerie-roubaix/atelier-reemploi",
    .kind = SERVICE,
    .title = "Atelier de sensibilisation au réemploi et à la réduction des déchets",
    .description =
      "Un atelier ludique pour vos bénévoles, salariés ou habitants : d'où viennent nos "
      "déchets, que deviennent les objets déposés en recyclerie, comment donner une seconde "
      "vie à ce qu'on jette. Quiz, objets à diagnostiquer et petites réparations en direct.",
    .category = "transition-ecologique",
    .tags = { "réemploi", "déchets", "sensibilisation" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 36,
    .format = "on_site",
    .duration_minutes = 120,
    .credit_rate_per_hour = 2,
  },

  /* ---- cafe-tourcoing: Le Comptoir des Voisins (59, Tourcoing) ---------------------------- */
  {
    .key = "cafe-tourcoing/sono-200w",
    .kind = GOOD,
    .title = "Sono portable 200 W avec 2 micros HF",
    .description =
      "Enceinte sur batterie de 200 W (environ 8 heures d'autonomie) avec deux micros sans "
      "fil, entrée Bluetooth et pied. Suffisant pour une prise de parole devant 150 personnes "
      "ou une petite fête en extérieur.",
    .category = "sonorisation-video",
    .tags = { "sono", "micro", "enceinte", "fête" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 52,
    .author = 1,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 60000,
    .deposit_cents = 15000,
    .max_days = 4,
    .approval = AUTO,
    .pickup_address = AT_CAFE_TOURCOING,
    .pickup_instructions =
      "Au comptoir, aux heures d'ouverture du café (mercredi à dimanche dès 16 h). Piles des "
      "micros fournies.",
    .credit_price_per_day = 3,
  },
  {
    .key = "cafe-tourcoing/salle-60",
    .kind = GOOD,
    .title = "Salle de 60 places avec bar, en semaine",
    .description =
      "Notre salle du fond, avec scène basse, bar, vidéoprojecteur et 60 chaises, est libre "
      "le lundi et le mardi. Idéale pour une assemblée générale, une projection-débat ou une "
      "formation. Accessible aux personnes à mobilité réduite.",
    .category = "salles",
    .tags = { "salle", "réunion", "assemblée générale", "projection" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 64,
    .quantity = 1,
    .max_days = 1,
    .min_notice_hours = 168,
    .buffer_hours = 2,
    .horizon_days = 120,
    .pickup_address = AT_CAFE_TOURCOING,
    .pickup_instructions =
      "Les clés se prennent la veille au comptoir. Ranger les chaises et sortir les poubelles "
      "en partant.",
    .credit_price_per_day = 10,
  },
  {
    .key = "cafe-tourcoing/malle-jeux",
    .kind = GOOD,
    .title = "Malle de 30 jeux de société",
    .description =
      "Une sélection de jeux coopératifs, de jeux d'ambiance et de classiques pour tous les "
      "âges, choisis par nos bénévoles des soirées jeux. Chaque boîte est complète et "
      "recomptée au retour.",
    .category = "jeux",
    .tags = { "jeux", "jeux de société", "soirée", "famille" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 29,
    .author = 1,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 60000,
    .deposit_cents = 10000,
    .approval = AUTO,
    .pickup_address = AT_CAFE_TOURCOING,
    .credit_price_per_day = 1,
  },
  {
    .key = "cafe-tourcoing/percolateur",
    .kind = GOOD,
    .title = "Percolateur 100 tasses",
    .description =
      "Percolateur inox de 15 litres, robinet antigoutte et maintien au chaud. Compter une "
      "heure pour cent tasses. Rendu détartré, merci !",
    .category = "cuisine-vaisselle",
    .tags = { "café", "boissons", "accueil" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 15,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 15000,
    .deposit_cents = 3000,
    .max_days = 5,
    .approval = AUTO,
    .pickup_address = AT_CAFE_TOURCOING,
  },
  {
    .key = "cafe-tourcoing/lancer-repair-cafe",
    .kind = SERVICE,
    .title = "Aide au lancement d'un repair café",
    .description =
      "Vous voulez ouvrir un repair café dans votre quartier ? Nous partageons notre "
      "expérience : trouver des bénévoles réparateurs, assurance, outillage de base, fiche "
      "d'accueil et suivi des objets réparés.",
    .category = "autres-services",
    .tags = { "repair café", "réparation", "bénévolat" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 21,
    .format = "both",
    .duration_minutes = 120,
    .credit_rate_per_hour = 2,
  },

  /* ---- cae-villeneuve: Coopérative Tandem (59, Villeneuve-d'Ascq) ------------------------- */
  {
    .key = "cae-villeneuve/intelligence-collective",
    .kind = SERVICE,
    .title = "Animation de réunion en intelligence collective",
    .description =
      "Une entrepreneure de la coopérative prépare et anime votre réunion, votre séminaire ou "
      "votre assemblée générale : forum ouvert, world café, prise de décision par "
      "consentement. Un compte rendu illustré vous est remis après la séance.",
    .category = "animation-facilitation",
    .tags = { "facilitation", "réunion", "intelligence collective", "assemblée générale" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 73,
    .author = 1,
    .format = "both",
    .duration_minutes = 180,
    .credit_rate_per_hour = 3,
    .languages = { "fr", "en" },
  },
  {
    .key = "cae-villeneuve/affiches",
    .kind = SERVICE,
    .title = "Aide à la création d'affiches",
    .description =
      "Un graphiste de la coopérative vous aide à concevoir l'affiche et le flyer de votre "
      "événement avec des outils libres (Inkscape, Scribus), puis à préparer les fichiers "
      "pour l'imprimeur. Vous repartez avec des gabarits réutilisables.",
    .category = "communication",
    .tags = { "affiche", "graphisme", "communication", "flyer" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 44,
    .author = 2,
    .format = "both",
    .duration_minutes = 120,
    .credit_rate_per_hour = 2,
  },
  {
    .key = "cae-villeneuve/comptabilite-associative",
    .kind = SERVICE,
    .title = "Initiation à la comptabilité associative",
    .description =
      "Pour les trésoriers et trésorières qui débutent : plan comptable associatif, tenue "
      "d'un journal de recettes et dépenses, budget prévisionnel, compte de résultat à "
      "présenter en assemblée générale. Exercices sur vos propres documents.",
    .category = "comptabilite-gestion",
    .tags = { "comptabilité", "trésorerie", "budget", "association" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 50,
    .format = "both",
    .duration_minutes = 180,
    .credit_rate_per_hour = 3,
  },
  {
    .key = "cae-villeneuve/statuts",
    .kind = SERVICE,
    .title = "Premier éclairage sur les statuts : association, SCOP ou SCIC",
    .description =
      "Un entretien en visioconférence pour comparer les formes juridiques de l'économie "
      "sociale et solidaire selon votre projet : gouvernance, fiscalité, embauche. Ce n'est "
      "pas une consultation d'avocat, mais un premier repérage avant d'aller plus loin.",
    .category = "juridique",
    .tags = { "statuts", "SCOP", "SCIC", "association", "création" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 18,
    .format = "remote",
    .duration_minutes = 60,
    .credit_rate_per_hour = 2,
  },
  {
    .key = "cae-villeneuve/videoprojecteur",
    .kind = GOOD,
    .title = "Vidéoprojecteur Full HD et écran sur pied 2 m",
    .description =
      "Vidéoprojecteur 3 500 lumens (HDMI, câble de 10 m fourni) avec un écran trépied de "
      "2 m de base. Convient à une salle de 80 personnes, même en journée rideaux tirés.",
    .category = "sonorisation-video",
    .tags = { "vidéoprojecteur", "écran", "projection", "réunion" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 38,
    .author = 2,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 90000,
    .deposit_cents = 20000,
    .max_days = 3,
    .approval = AUTO,
    .pickup_address = AT_CAE_VILLENEUVE,
    .pickup_instructions = "Accueil de la coopérative, du lundi au vendredi de 9 h à 17 h.",
    .credit_price_per_day = 3,
  },
  {
    .key = "cae-villeneuve/kit-animation",
    .kind = GOOD,
    .title = "Kit d'animation : 2 paperboards, post-it et feutres",
    .description =
      "Deux chevalets de conférence avec blocs de papier, gros feutres, post-it de toutes "
      "tailles, gommettes de vote et un minuteur visuel. Les consommables entamés ne sont pas "
      "à remplacer.",
    .category = "autres-biens",
    .tags = { "paperboard", "animation", "réunion", "atelier" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 12,
    .author = 1,
    .quantity = 2,
    .condition = "good",
    .replacement_value_cents = 40000,
    .deposit_cents = 5000,
    .max_days = 7,
    .approval = AUTO,
    .pickup_address = AT_CAE_VILLENEUVE,
  },

  /* ---- nature-dunkerque: Dunes et Marais (59, Dunkerque) ---------------------------------- */
  {
    .key = "nature-dunkerque/expo-dunes",
    .kind = GOOD,
    .title = "Exposition « Biodiversité des dunes » (12 kakémonos)",
    .description =
      "Douze kakémonos de 85 x 200 cm sur la faune et la flore des dunes flamandes, avec un "
      "livret d'accompagnement et un quiz pour les scolaires. Se monte en une demi-heure, "
      "sans outil. Prêt gratuit pour les structures des réseaux.",
    .category = "exposition-signaletique",
    .tags = { "exposition", "biodiversité", "dunes", "littoral", "scolaires" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 75,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 240000,
    .deposit_cents = 30000,
    .max_days = 30,
    .min_notice_hours = 168,
    .buffer_hours = 48,
    .horizon_days = 365,
    .pickup_address = AT_NATURE_DUNKERQUE,
    .pickup_instructions =
      "Les sacs de transport tiennent dans un coffre de voiture. Merci de signaler tout "
      "kakémono abîmé au retour.",
    .blackouts = { { 10, 24, "Exposée à la Maison de l'environnement" } },
  },
  {
    .key = "nature-dunkerque/jumelles",
    .kind = GOOD,
    .title = "Lot de 15 paires de jumelles 8x42",
    .description =
      "Jumelles étanches pour l'observation des oiseaux, avec étuis et dragonnes, adaptées aux "
      "enfants dès 8 ans. Deux guides d'identification des oiseaux du littoral sont glissés "
      "dans la valise.",
    .category = "autres-biens",
    .tags = { "jumelles", "oiseaux", "nature", "observation" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 60,
    .author = 1,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 150000,
    .deposit_cents = 20000,
    .max_days = 7,
    .approval = AUTO,
    .pickup_address = AT_NATURE_DUNKERQUE,
  },
  {
    .key = "nature-dunkerque/malle-laisse-de-mer",
    .kind = GOOD,
    .title = "Malle pédagogique de jeux « Laisse de mer »",
    .description =
      "Jeux de piste, mémory des coquillages, loupes et boîtes d'observation pour découvrir "
      "ce que la marée dépose sur la plage. Fiches d'animation pour les 6-12 ans incluses.",
    .category = "jeux",
    .tags = { "pédagogie", "plage", "enfants", "jeux" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 31,
    .author = 1,
    .quantity = 1,
    .condition = "fair",
    .replacement_value_cents = 30000,
    .deposit_cents = 5000,
    .max_days = 14,
    .approval = AUTO,
    .pickup_address = AT_NATURE_DUNKERQUE,
  },
  {
    .key = "nature-dunkerque/former-sortie-nature",
    .kind = SERVICE,
    .title = "Formation : animer une sortie nature avec des enfants",
    .description =
      "Une journée sur le terrain pour les animateurs et animatrices de centres de loisirs : "
      "préparer une sortie, capter l'attention d'un groupe, observer sans déranger, sécurité "
      "sur la plage et dans les marais.",
    .category = "methodes-pedagogiques",
    .tags = { "animation nature", "enfants", "pédagogie", "sortie" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 27,
    .format = "on_site",
    .duration_minutes = 420,
    .credit_rate_per_hour = 3,
    .languages = { "fr", "nl" },
  },

  /* ---- theatre-arras: Compagnie La Roulotte Vagabonde (62, Arras) ------------------------- */
  {
    .key = "theatre-arras/projecteurs-led",
    .kind = GOOD,
    .title = "Kit de 6 projecteurs LED avec pieds et console DMX",
    .description =
      "Six projecteurs LED RGBW sur deux pieds à barre de couplage, câbles DMX et une petite "
      "console à mémoires. De quoi éclairer une scène de 6 m d'ouverture pour un concert ou "
      "un spectacle. Notice d'utilisation simple fournie.",
    .category = "sonorisation-video",
    .tags = { "lumière", "projecteurs", "spectacle", "scène" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 66,
    .author = 1,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 180000,
    .deposit_cents = 40000,
    .max_days = 5,
    .min_notice_hours = 72,
    .buffer_hours = 24,
    .pickup_address = AT_THEATRE_ARRAS,
    .pickup_instructions = "Sur rendez-vous avec notre régisseur, Hugo.",
    .credit_price_per_day = 6,
  },
  {
    .key = "theatre-arras/gradins",
    .kind = GOOD,
    .title = "Gradins démontables 80 places",
    .description =
      "Quatre rangs de gradins en acier et bois, 80 places assises, montage en trois heures à "
      "quatre personnes. Notre régisseur accompagne le premier montage. Transport en camion "
      "porteur (non fourni).",
    .category = "mobilier-evenementiel",
    .tags = { "gradins", "spectacle", "public", "scène" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 66,
    .quantity = 1,
    .condition = "fair",
    .replacement_value_cents = 1200000,
    .deposit_cents = 150000,
    .max_days = 7,
    .min_notice_hours = 336,
    .buffer_hours = 48,
    .horizon_days = 365,
    .pickup_address = AT_THEATRE_ARRAS,
    .pickup_instructions =
      "Chargement au hangar avec un chariot élévateur. Le montage accompagné se réserve en "
      "même temps que les gradins.",
    .blackouts = { { 35, 63, "Tournée d'été de la compagnie" } },
  },
  {
    .key = "theatre-arras/costumes",
    .kind = GOOD,
    .title = "Malle de costumes et accessoires de théâtre",
    .description =
      "Une grande malle de costumes d'époque et de fantaisie (tailles adulte), chapeaux, "
      "masques et accessoires. Pour un spectacle amateur, un carnaval ou un atelier théâtre.",
    .category = "autres-biens",
    .tags = { "costumes", "théâtre", "carnaval", "déguisements" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 22,
    .author = 1,
    .quantity = 1,
    .condition = "worn",
    .replacement_value_cents = 50000,
    .deposit_cents = 10000,
    .max_days = 21,
    .approval = AUTO,
    .pickup_address = AT_THEATRE_ARRAS,
  },
  {
    .key = "theatre-arras/chapiteau",
    .kind = GOOD,
    .title = "Chapiteau de 12 m de diamètre (200 places)",
    .description =
      "Notre chapiteau de tournée : mât central, toile ignifugée classée M2, 200 places "
      "assises. Montage en une journée avec l'équipe de la compagnie (obligatoire). "
      "Actuellement en réparation : la toile est chez le voilier.",
    .category = "tentes-barnums",
    .tags = { "chapiteau", "spectacle", "festival", "tente" },
    .visibility = NETWORKS,
    .status = PAUSED,
    .age_days = 66,
    .quantity = 1,
    .condition = "fair",
    .replacement_value_cents = 3500000,
    .deposit_cents = 300000,
    .max_days = 10,
    .min_notice_hours = 720,
    .buffer_hours = 72,
    .horizon_days = 365,
    .pickup_address = AT_THEATRE_ARRAS,
    .pickup_instructions = "Montage et démontage uniquement avec l'équipe de la compagnie.",
  },
  {
    .key = "theatre-arras/prise-de-parole",
    .kind = SERVICE,
    .title = "Atelier de prise de parole en public pour bénévoles",
    .description =
      "Des exercices de théâtre pour oser parler devant une assemblée, un financeur ou un "
      "micro : respiration, voix, regard, gestion du trac. En petit groupe de huit à douze "
      "personnes.",
    .category = "formation",
    .tags = { "prise de parole", "théâtre", "bénévoles", "confiance" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 48,
    .format = "on_site",
    .duration_minutes = 180,
    .credit_rate_per_hour = 3,
  },

  /* ---- ressourcerie-lens: La Ressourcerie des Terrils (62, Lens) -------------------------- */
  {
    .key = "ressourcerie-lens/scie-sauteuse",
    .kind = GOOD,
    .title = "Scie sauteuse avec jeu de lames bois et métal",
    .description =
      "Scie sauteuse filaire 650 W à mouvement pendulaire, livrée en coffret avec dix lames "
      "(bois, métal, PVC) et un guide parallèle. Lunettes de protection fournies.",
    .category = "outillage",
    .tags = { "scie", "bricolage", "bois", "outils" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 57,
    .author = 2,
    .quantity = 2,
    .condition = "good",
    .replacement_value_cents = 12000,
    .deposit_cents = 3000,
    .max_days = 7,
    .approval = AUTO,
    .pickup_address = AT_RESSOURCERIE_LENS,
  },
  {
    .key = "ressourcerie-lens/perceuse",
    .kind = GOOD,
    .title = "Perceuse-visseuse sans fil 18 V avec 2 batteries",
    .description =
      "Perceuse-visseuse à percussion, deux batteries et chargeur rapide, coffret de forets "
      "et d'embouts. Pour monter une cloison, fixer des étagères ou un chantier participatif.",
    .category = "outillage",
    .tags = { "perceuse", "visseuse", "bricolage", "outils" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 57,
    .author = 2,
    .quantity = 3,
    .condition = "good",
    .replacement_value_cents = 15000,
    .deposit_cents = 3000,
    .max_days = 7,
    .approval = AUTO,
    .pickup_address = AT_RESSOURCERIE_LENS,
    .credit_price_per_day = 1,
  },
  {
    .key = "ressourcerie-lens/chaises-pliantes",
    .kind = GOOD,
    .title = "Lot de 40 chaises pliantes",
    .description =
      "Chaises pliantes en métal et bois récupérées et remises en état par notre chantier "
      "d'insertion, rangées sur deux chariots. Pour une réunion publique ou un spectacle.",
    .category = "mobilier-evenementiel",
    .tags = { "chaises", "réunion", "spectacle", "mobilier" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 43,
    .author = 1,
    .quantity = 2,
    .condition = "fair",
    .replacement_value_cents = 80000,
    .deposit_cents = 15000,
    .max_days = 5,
    .min_notice_hours = 48,
    .buffer_hours = 12,
    .pickup_address = AT_RESSOURCERIE_LENS,
    .credit_price_per_day = 2,
  },
  {
    .key = "ressourcerie-lens/ordinateurs-portables",
    .kind = GOOD,
    .title = "Lot de 6 ordinateurs portables reconditionnés",
    .description =
      "Six portables 14 pouces reconditionnés par nos soins, sous Linux Mint avec LibreOffice "
      "et Firefox, souris et sacoche. Pour une formation, un atelier numérique ou une "
      "permanence d'accès aux droits.",
    .category = "materiel-informatique",
    .tags = { "ordinateurs", "numérique", "formation", "linux" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 19,
    .author = 1,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 150000,
    .deposit_cents = 30000,
    .max_days = 14,
    .min_notice_hours = 72,
    .buffer_hours = 24,
    .pickup_address = AT_RESSOURCERIE_LENS,
    .pickup_instructions =
      "Les ordinateurs sont remis à zéro à chaque retour : pensez à sauvegarder vos fichiers.",
  },
  {
    .key = "ressourcerie-lens/camion-12m3",
    .kind = GOOD,
    .title = "Camion 12 m³ avec hayon (permis B)",
    .description =
      "Fourgon de 12 m³ avec hayon élévateur de 500 kg, trois places à l'avant, diable et "
      "sangles à bord. Parfait pour un déménagement associatif ou le transport de matériel "
      "événementiel.",
    .category = "vehicules",
    .tags = { "camion", "utilitaire", "transport", "déménagement" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 71,
    .quantity = 1,
    .condition = "good",
    .deposit_cents = 100000,
    .max_days = 2,
    .min_notice_hours = 72,
    .buffer_hours = 4,
    .horizon_days = 90,
    .pickup_address = AT_RESSOURCERIE_LENS,
    .pickup_instructions =
      "Permis B de plus de deux ans. Le plein est à refaire au retour ; remplir le carnet de "
      "bord (kilomètres, remarques).",
    .blackouts = { { 14, 15, "Contrôle technique" } },
    .credit_price_per_day = 15,
  },
  {
    .key = "ressourcerie-lens/diagnostic-dechets",
    .kind = SERVICE,
    .title = "Diagnostic déchets de votre événement",
    .description =
      "Avant votre fête ou votre festival, nous regardons ensemble ce qui finira à la "
      "poubelle et comment l'éviter : vaisselle, signalétique, restauration, tri sur place. "
      "Vous recevez un plan d'action chiffré.",
    .category = "transition-ecologique",
    .tags = { "déchets", "événement", "tri", "zéro déchet" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 34,
    .format = "both",
    .duration_minutes = 120,
    .credit_rate_per_hour = 2,
  },

  /* ---- habitat-amiens: Toits Partagés (80, Amiens) ---------------------------------------- */
  {
    .key = "habitat-amiens/gouvernance-partagee",
    .kind = SERVICE,
    .title = "Accompagnement à la gouvernance partagée",
    .description =
      "Pour un collectif qui veut mieux décider ensemble : rôles, élection sans candidat, "
      "décision par consentement, cercles. Un premier atelier de découverte, puis un suivi "
      "si vous le souhaitez.",
    .category = "animation-facilitation",
    .tags = { "gouvernance", "sociocratie", "consentement", "collectif" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 54,
    .format = "both",
    .duration_minutes = 240,
    .credit_rate_per_hour = 3,
  },
  {
    .key = "habitat-amiens/renovation-ecologique",
    .kind = SERVICE,
    .title = "Conseil en rénovation écologique de locaux associatifs",
    .description =
      "Visite de vos locaux avec un de nos conseillers : isolation en matériaux biosourcés, "
      "chauffage, ventilation, aides mobilisables. Un compte rendu avec les travaux "
      "prioritaires vous est envoyé sous quinze jours.",
    .category = "transition-ecologique",
    .tags = { "rénovation", "énergie", "isolation", "biosourcé" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 26,
    .author = 1,
    .format = "on_site",
    .duration_minutes = 120,
    .credit_rate_per_hour = 3,
  },
  {
    .key = "habitat-amiens/salle-commune",
    .kind = GOOD,
    .title = "Salle commune de la résidence (30 personnes)",
    .description =
      "La salle commune de notre résidence coopérative, avec cuisine équipée et jardin, "
      "accueille vos réunions et ateliers jusqu'à 30 personnes, en soirée et le week-end.",
    .category = "salles",
    .tags = { "salle", "réunion", "cuisine", "jardin" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 45,
    .author = 1,
    .quantity = 1,
    .max_days = 1,
    .min_notice_hours = 72,
    .buffer_hours = 2,
    .pickup_address = AT_HABITAT_AMIENS,
    .pickup_instructions =
      "Boîte à clés à côté de l'entrée ; le code est envoyé la veille. Fin des activités à "
      "22 h par respect pour les habitants.",
    .credit_price_per_day = 5,
  },
  {
    .key = "habitat-amiens/camera-thermique",
    .kind = GOOD,
    .title = "Caméra thermique pour repérer les déperditions de chaleur",
    .description =
      "Caméra thermique 160 x 120 pixels pour repérer ponts thermiques et fuites d'air. À "
      "utiliser par temps froid, avec au moins 10 °C d'écart entre l'intérieur et "
      "l'extérieur. Mode d'emploi en français.",
    .category = "outillage",
    .tags = { "thermographie", "énergie", "rénovation" },
    .visibility = NETWORKS,
    .status = DRAFT,
    .age_days = 3,
    .author = 1,
    .quantity = 1,
    .condition = "new",
    .replacement_value_cents = 60000,
    .deposit_cents = 20000,
    .max_days = 7,
    .pickup_address = AT_HABITAT_AMIENS,
  },

  /* ---- centre-social-abbeville: Centre social du Ponthieu (80, Abbeville) ----------------- */
  {
    .key = "centre-social-abbeville/minibus",
    .kind = GOOD,
    .title = "Minibus 9 places",
    .description =
      "Minibus 9 places (permis B) avec galerie, régulièrement entretenu. Pour une sortie, un "
      "déplacement d'équipe ou un séjour. Deux sièges rehausseurs disponibles sur demande.",
    .category = "vehicules",
    .tags = { "minibus", "transport", "sortie", "séjour" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 69,
    .quantity = 1,
    .condition = "good",
    .deposit_cents = 50000,
    .max_days = 3,
    .min_notice_hours = 168,
    .buffer_hours = 2,
    .horizon_days = 90,
    .pickup_address = AT_CENTRE_SOCIAL_ABBEVILLE,
    .pickup_instructions = "Permis B depuis plus de trois ans. Plein au retour ; la carte "
                           "carburant n'est pas prêtée.",
    .blackouts = { { 5, 7, "Sortie familles à la mer" }, { 40, 47, "Séjour des jeunes" } },
    .credit_price_per_day = 20,
  },
  {
    .key = "centre-social-abbeville/vaisselle-100",
    .kind = GOOD,
    .title = "Vaisselle complète pour 100 personnes",
    .description =
      "Assiettes plates et à dessert, verres, tasses, couverts, plats de service et pichets "
      "pour cent couverts, rangés dans des caisses étiquetées. À rendre lavée ; la casse est "
      "remplacée à l'identique.",
    .category = "cuisine-vaisselle",
    .tags = { "vaisselle", "repas", "fête", "zéro déchet" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 53,
    .author = 2,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 80000,
    .deposit_cents = 15000,
    .max_days = 5,
    .approval = AUTO,
    .pickup_address = AT_CENTRE_SOCIAL_ABBEVILLE,
    .credit_price_per_day = 2,
  },
  {
    .key = "centre-social-abbeville/salle-polyvalente",
    .kind = GOOD,
    .title = "Salle polyvalente 120 m² avec cuisine",
    .description =
      "Grande salle lumineuse avec cuisine collective, tables et chaises pour 100 personnes, "
      "sono d'appoint. Disponible le week-end pour les associations du territoire.",
    .category = "salles",
    .tags = { "salle", "fête", "repas", "réunion" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 69,
    .quantity = 1,
    .max_days = 2,
    .min_notice_hours = 336,
    .buffer_hours = 12,
    .pickup_address = AT_CENTRE_SOCIAL_ABBEVILLE,
    .pickup_instructions = "État des lieux à l'arrivée et au départ avec Yanis, notre "
                           "gardien.",
  },
  {
    .key = "centre-social-abbeville/jeux-bois",
    .kind = GOOD,
    .title = "Jeux en bois géants (lot de 12)",
    .description =
      "Puissance 4 géant, mölkky, passe-trappe, jeu de la grenouille, billard hollandais… "
      "Douze jeux en bois pour animer une fête de quartier ou une kermesse, petits et grands.",
    .category = "jeux",
    .tags = { "jeux en bois", "fête", "kermesse", "famille" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 41,
    .author = 1,
    .quantity = 1,
    .condition = "fair",
    .replacement_value_cents = 120000,
    .deposit_cents = 20000,
    .max_days = 7,
    .min_notice_hours = 48,
    .pickup_address = AT_CENTRE_SOCIAL_ABBEVILLE,
    .credit_price_per_day = 3,
  },
  {
    .key = "centre-social-abbeville/former-accompagnement-scolaire",
    .kind = SERVICE,
    .title = "Formation des bénévoles à l'accompagnement scolaire",
    .description =
      "Deux demi-journées pour les bénévoles qui aident des enfants à faire leurs devoirs : "
      "posture, relation avec les familles et l'école, outils et jeux pour apprendre "
      "autrement.",
    .category = "methodes-pedagogiques",
    .tags = { "accompagnement scolaire", "bénévoles", "pédagogie" },
    .visibility = NETWORKS,
    .status = DRAFT,
    .age_days = 5,
    .author = 2,
    .format = "on_site",
    .duration_minutes = 180,
    .credit_rate_per_hour = 2,
  },

  /* ---- collectivite-beauvais: Agglo Beauvais-Thérain (60, Beauvais) ----------------------- */
  {
    .key = "collectivite-beauvais/podium",
    .kind = GOOD,
    .title = "Podium scène 6 x 4 m avec escalier",
    .description =
      "Podium modulaire de 24 m², hauteur réglable de 40 à 100 cm, escalier et garde-corps. "
      "Livré et monté par les services techniques de l'Agglo, sur convention de prêt, pour "
      "les manifestations du territoire.",
    .category = "mobilier-evenementiel",
    .tags = { "podium", "scène", "concert", "manifestation" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 74,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 800000,
    .max_days = 4,
    .min_notice_hours = 720,
    .buffer_hours = 48,
    .horizon_days = 365,
    .pickup_address = AT_COLLECTIVITE_BEAUVAIS,
    .pickup_instructions =
      "Livraison et montage par nos équipes : un plan d'implantation est demandé trois "
      "semaines avant.",
    .blackouts = { { 55, 60, "Fête de l'Agglo" } },
  },
  {
    .key = "collectivite-beauvais/grilles-exposition",
    .kind = GOOD,
    .title = "Grilles d'exposition (12) et pieds",
    .description =
      "Douze grilles caddie de 2 m x 1 m avec leurs pieds et crochets, pour une exposition "
      "photo, un forum des associations ou un affichage de résultats.",
    .category = "exposition-signaletique",
    .tags = { "grilles", "exposition", "forum", "affichage" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 74,
    .author = 1,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 180000,
    .max_days = 10,
    .min_notice_hours = 168,
    .buffer_hours = 24,
    .pickup_address = AT_COLLECTIVITE_BEAUVAIS,
    .pickup_instructions = "Retrait au centre technique du lundi au jeudi, 8 h - 12 h.",
  },
  {
    .key = "collectivite-beauvais/tente-pliante",
    .kind = GOOD,
    .title = "Tente pliante 3 x 3 m avec murs",
    .description =
      "Tentes pliantes renforcées aux couleurs de l'Agglo, avec trois murs et lests. Dix "
      "tentes disponibles : réservez le nombre dont vous avez besoin.",
    .category = "tentes-barnums",
    .tags = { "tente", "barnum", "stand", "marché" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 74,
    .author = 1,
    .quantity = 10,
    .condition = "good",
    .replacement_value_cents = 40000,
    .max_days = 4,
    .min_notice_hours = 168,
    .buffer_hours = 24,
    .pickup_address = AT_COLLECTIVITE_BEAUVAIS,
    .credit_price_per_day = 2,
  },
  {
    .key = "collectivite-beauvais/barrieres",
    .kind = GOOD,
    .title = "Barrières de sécurité (lot de 20)",
    .description =
      "Vingt barrières de police de 2 m, pour délimiter un parcours, une file d'attente ou "
      "une zone de course. Transport par vos soins (remorque conseillée).",
    .category = "autres-biens",
    .tags = { "barrières", "sécurité", "manifestation" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 30,
    .author = 1,
    .quantity = 2,
    .condition = "worn",
    .replacement_value_cents = 120000,
    .max_days = 5,
    .min_notice_hours = 168,
    .pickup_address = AT_COLLECTIVITE_BEAUVAIS,
  },
  {
    .key = "collectivite-beauvais/former-securite",
    .kind = SERVICE,
    .title = "Formation des bénévoles : organiser une manifestation en sécurité",
    .description =
      "Déclarations en mairie et en préfecture, buvette temporaire, secours, accessibilité, "
      "gestion du public : une demi-journée animée par le service Vie associative, gratuite "
      "pour les associations du territoire.",
    .category = "formation",
    .tags = { "sécurité", "manifestation", "bénévoles", "réglementation" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 63,
    .format = "on_site",
    .duration_minutes = 210,
  },
  {
    .key = "collectivite-beauvais/dossier-subvention",
    .kind = SERVICE,
    .title = "Aide au montage d'un dossier de subvention",
    .description =
      "Un rendez-vous pour relire votre projet, choisir les financeurs pertinents et remplir "
      "le formulaire Cerfa : budget, indicateurs, pièces à joindre.",
    .category = "comptabilite-gestion",
    .tags = { "subvention", "financement", "budget" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 35,
    .author = 1,
    .format = "both",
    .duration_minutes = 90,
    .credit_rate_per_hour = 2,
  },

  /* ---- evenement-compiegne: Éco-Festif Picardie (60, Compiègne) --------------------------- */
  {
    .key = "evenement-compiegne/gobelets",
    .kind = GOOD,
    .title = "Gobelets réutilisables 25 cl (lot de 500)",
    .description =
      "Gobelets en polypropylène recyclable, graduation 25 cl, sans logo. Le lavage au retour "
      "est compris : rendez-les simplement vidés et égouttés dans leurs caisses.",
    .category = "cuisine-vaisselle",
    .tags = { "gobelets", "zéro déchet", "buvette", "festival" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 61,
    .author = 1,
    .quantity = 6,
    .condition = "new",
    .replacement_value_cents = 50000,
    .deposit_cents = 25000,
    .max_days = 7,
    .min_notice_hours = 48,
    .buffer_hours = 48,
    .approval = AUTO,
    .pickup_address = AT_EVENEMENT_COMPIEGNE,
    .credit_price_per_day = 2,
  },
  {
    .key = "evenement-compiegne/toilettes-seches",
    .kind = GOOD,
    .title = "Toilettes sèches mobiles (cabine double)",
    .description =
      "Cabine double en bois sur remorque, avec sciure, signalétique et lave-mains. Nous "
      "récupérons et compostons les matières. Prévoir une cabine pour 150 personnes par "
      "journée.",
    .category = "autres-biens",
    .tags = { "toilettes sèches", "festival", "compost", "sanitaires" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 61,
    .quantity = 2,
    .condition = "good",
    .replacement_value_cents = 350000,
    .deposit_cents = 50000,
    .max_days = 4,
    .min_notice_hours = 168,
    .buffer_hours = 48,
    .pickup_address = AT_EVENEMENT_COMPIEGNE,
    .pickup_instructions =
      "Remorque à atteler (boule de 50 mm, permis B). Livraison possible dans un rayon de "
      "40 km, à convenir.",
    .blackouts = { { 26, 29, "Festival en forêt de Compiègne" } },
  },
  {
    .key = "evenement-compiegne/stand-tri",
    .kind = GOOD,
    .title = "Stand de tri des déchets avec signalétique (5 bacs)",
    .description =
      "Cinq bacs de tri sur un stand en bois, avec panneaux illustrés (emballages, verre, "
      "biodéchets, papier, ordures). Se monte en dix minutes.",
    .category = "exposition-signaletique",
    .tags = { "tri", "déchets", "signalétique", "festival" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 24,
    .author = 1,
    .quantity = 3,
    .condition = "good",
    .replacement_value_cents = 45000,
    .deposit_cents = 10000,
    .max_days = 5,
    .approval = AUTO,
    .pickup_address = AT_EVENEMENT_COMPIEGNE,
  },
  {
    .key = "evenement-compiegne/evenement-zero-dechet",
    .kind = SERVICE,
    .title = "Conseil pour un événement zéro déchet",
    .description =
      "Une heure et demie pour passer votre événement en revue avec nous : vaisselle, "
      "buvette, fournisseurs, toilettes, communication auprès du public. Nous partageons nos "
      "listes de contrôle et nos fournisseurs locaux.",
    .category = "transition-ecologique",
    .tags = { "zéro déchet", "événement", "écoresponsable" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 16,
    .format = "both",
    .duration_minutes = 90,
    .credit_rate_per_hour = 2,
    .languages = { "fr", "en" },
  },

  /* ---- fablab-saint-quentin: La Fabrique du Vermandois (02, Saint-Quentin) ---------------- */
  {
    .key = "fablab-saint-quentin/imprimante-3d",
    .kind = GOOD,
    .title = "Imprimante 3D avec bobines de PLA",
    .description =
      "Imprimante 3D à filament (volume 25 x 21 x 21 cm), réglée et calibrée, avec trois "
      "bobines de PLA. Une initiation d'une heure au fablab est demandée avant le premier "
      "prêt. En pause le temps de changer la buse.",
    .category = "materiel-informatique",
    .tags = { "impression 3D", "fablab", "fabrication" },
    .visibility = NETWORKS,
    .status = PAUSED,
    .age_days = 67,
    .author = 1,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 110000,
    .deposit_cents = 30000,
    .max_days = 14,
    .min_notice_hours = 72,
    .buffer_hours = 24,
    .pickup_address = AT_FABLAB_SAINT_QUENTIN,
  },
  {
    .key = "fablab-saint-quentin/kit-visio",
    .kind = GOOD,
    .title = "Kit de visioconférence : caméra, micro de salle et écran 55 pouces",
    .description =
      "Caméra grand angle, micro-haut-parleur de salle et écran 55 pouces sur pied à "
      "roulettes, pour des réunions hybrides où ceux qui sont à distance entendent vraiment. "
      "Fonctionne avec Jitsi, BigBlueButton et les autres.",
    .category = "materiel-informatique",
    .tags = { "visioconférence", "réunion hybride", "écran", "caméra" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 39,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 150000,
    .deposit_cents = 30000,
    .max_days = 5,
    .approval = AUTO,
    .pickup_address = AT_FABLAB_SAINT_QUENTIN,
    .pickup_instructions = "Le pied se démonte pour tenir dans un break.",
  },
  {
    .key = "fablab-saint-quentin/tablettes",
    .kind = GOOD,
    .title = "Valise de 8 tablettes pour ateliers numériques",
    .description =
      "Huit tablettes 10 pouces dans une valise de recharge, avec applications d'initiation "
      "(démarches en ligne, photo, programmation pour les enfants). Réinitialisées au retour.",
    .category = "materiel-informatique",
    .tags = { "tablettes", "numérique", "inclusion", "atelier" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 28,
    .author = 1,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 240000,
    .deposit_cents = 40000,
    .max_days = 10,
    .min_notice_hours = 72,
    .pickup_address = AT_FABLAB_SAINT_QUENTIN,
    .credit_price_per_day = 4,
  },
  {
    .key = "fablab-saint-quentin/logiciels-libres",
    .kind = SERVICE,
    .title = "Accompagnement au passage aux logiciels libres",
    .description =
      "Nous vous aidons à quitter les logiciels propriétaires de votre association : suite "
      "bureautique, messagerie, agenda et stockage partagés (Nextcloud), sauvegardes. "
      "Diagnostic, plan de migration et prise en main avec votre équipe.",
    .category = "accompagnement-informatique",
    .tags = { "logiciels libres", "Nextcloud", "numérique", "migration" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 46,
    .format = "both",
    .duration_minutes = 120,
    .credit_rate_per_hour = 2,
  },
  {
    .key = "fablab-saint-quentin/site-web",
    .kind = SERVICE,
    .title = "Aide à la création d'un site web associatif",
    .description =
      "En trois séances à distance, construisez vous-mêmes le site de votre association avec "
      "un outil libre : arborescence, pages, agenda, formulaire d'adhésion, mise en ligne.",
    .category = "accompagnement-informatique",
    .tags = { "site web", "numérique", "communication" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 20,
    .author = 1,
    .format = "remote",
    .duration_minutes = 180,
    .credit_rate_per_hour = 2,
  },
  {
    .key = "fablab-saint-quentin/decoupe-laser",
    .kind = SERVICE,
    .title = "Initiation à la découpe laser",
    .description =
      "Dessiner un fichier vectoriel, régler la machine, découper et graver du bois ou du "
      "carton : vous repartez avec votre création (signalétique, badges, petit mobilier).",
    .category = "formation",
    .tags = { "découpe laser", "fablab", "fabrication" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 9,
    .author = 1,
    .format = "on_site",
    .duration_minutes = 120,
    .credit_rate_per_hour = 3,
  },

  /* ---- jardin-laon: Jardin partagé des Remparts (02, Laon) -------------------------------- */
  {
    .key = "jardin-laon/broyeur",
    .kind = GOOD,
    .title = "Broyeur de végétaux thermique (branches jusqu'à 6 cm)",
    .description =
      "Broyeur sur roues à moteur essence, pour transformer les tailles de haies et les "
      "branches en broyat de paillage. Lunettes, gants et casque antibruit fournis.",
    .category = "outillage",
    .tags = { "broyeur", "jardin", "paillage", "végétaux" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 59,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 180000,
    .deposit_cents = 40000,
    .max_days = 3,
    .min_notice_hours = 48,
    .buffer_hours = 24,
    .pickup_address = AT_JARDIN_LAON,
    .pickup_instructions =
      "Rendez-vous au portail du jardin le samedi matin. Remorque nécessaire (le broyeur pèse "
      "90 kg). Plein à refaire au retour.",
    .blackouts = { { 60, 74, "Broyage collectif des tailles du quartier" } },
    .credit_price_per_day = 6,
  },
  {
    .key = "jardin-laon/outils-jardinage",
    .kind = GOOD,
    .title = "Lot d'outils de jardinage pour 15 personnes",
    .description =
      "Bêches, grelinettes, râteaux, binettes, arrosoirs et gants de toutes tailles : de quoi "
      "lancer un chantier participatif ou une journée de plantation avec une école.",
    .category = "outillage",
    .tags = { "jardinage", "outils", "chantier participatif", "plantation" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 37,
    .author = 1,
    .quantity = 1,
    .condition = "worn",
    .replacement_value_cents = 30000,
    .deposit_cents = 5000,
    .max_days = 7,
    .approval = AUTO,
    .pickup_address = AT_JARDIN_LAON,
  },
  {
    .key = "jardin-laon/grainotheque",
    .kind = GOOD,
    .title = "Grainothèque mobile et kit de semis",
    .description = "Un meuble à tiroirs sur roulettes avec une centaine de variétés de graines "
                   "reproductibles, des godets et du terreau, pour animer un troc de graines.",
    .category = "autres-biens",
    .tags = { "graines", "semis", "troc", "jardin" },
    .visibility = NETWORKS,
    .status = DRAFT,
    .age_days = 2,
    .author = 1,
    .quantity = 1,
    .condition = "good",
    .pickup_address = AT_JARDIN_LAON,
  },
  {
    .key = "jardin-laon/fresque-climat",
    .kind = SERVICE,
    .title = "Atelier fresque du climat",
    .description =
      "En trois heures et en équipe, comprendre les causes et les conséquences du changement "
      "climatique à partir des travaux du GIEC, puis en discuter. Animé par deux fresqueurs "
      "bénévoles du jardin, pour 8 à 14 participants.",
    .category = "transition-ecologique",
    .tags = { "climat", "fresque", "sensibilisation", "atelier" },
    .visibility = PUBLIC,
    .status = PUBLISHED,
    .age_days = 51,
    .format = "on_site",
    .duration_minutes = 180,
    .credit_rate_per_hour = 2,
    .languages = { "fr", "en" },
  },
  {
    .key = "jardin-laon/compostage",
    .kind = SERVICE,
    .title = "Formation au compostage partagé",
    .description =
      "Installer et faire vivre un composteur de quartier ou d'établissement : équilibre des "
      "apports, retournement, référents, communication avec les voisins. Théorie au chaud "
      "puis pratique au jardin.",
    .category = "formation",
    .tags = { "compost", "biodéchets", "jardin", "quartier" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 14,
    .author = 1,
    .format = "on_site",
    .duration_minutes = 150,
    .credit_rate_per_hour = 2,
  },

  /* ---- traiteur-soissons: Les Saveurs Partagées (02, Soissons; suspended: hidden) -------- */
  {
    .key = "traiteur-soissons/cuisine-mobile",
    .kind = GOOD,
    .title = "Cuisine mobile sur remorque",
    .description =
      "Remorque cuisine aux normes avec plaques, four, réfrigérateur, plonge et eau chaude, "
      "pour servir jusqu'à 200 repas sur un événement. Formation aux règles d'hygiène de "
      "l'équipe utilisatrice demandée.",
    .category = "cuisine-vaisselle",
    .tags = { "cuisine", "restauration", "remorque", "événement" },
    .visibility = NETWORKS,
    .status = PUBLISHED,
    .age_days = 72,
    .quantity = 1,
    .condition = "good",
    .replacement_value_cents = 1500000,
    .deposit_cents = 200000,
    .max_days = 4,
    .min_notice_hours = 336,
    .buffer_hours = 48,
    .pickup_address = AT_TRAITEUR_SOISSONS,
  },
};

const size_t mt_demo_listing_count = sizeof mt_demo_listings / sizeof mt_demo_listings[0];

const mt_demo_listing_t *
mt_demo_listing_find (const char *key)
{
  const mt_demo_listing_t *found = NULL;

  for (size_t i = 0; key && i < mt_demo_listing_count && !found; i++) {
    if (strcmp (mt_demo_listings[i].key, key) == 0) {
      found = &mt_demo_listings[i];
    }
  }
  return found;
}

const mt_demo_org_t *
mt_demo_listing_org (const mt_demo_listing_t *listing)
{
  const char *slash = listing ? strchr (listing->key, '/') : NULL;
  const mt_demo_org_t *found = NULL;

  for (size_t i = 0; slash && i < mt_demo_org_count && !found; i++) {
    const size_t len = strlen (mt_demo_orgs[i].key);
    if (len == (size_t) (slash - listing->key) &&
        strncmp (mt_demo_orgs[i].key, listing->key, len) == 0) {
      found = &mt_demo_orgs[i];
    }
  }
  return found;
}

/* ==== Reservations ============================================================================
 * Loans between the demo organisations, one or more in every state (see demo.h for how they
 * are made). Days count from midnight UTC of the load day (negative: before it); hours are
 * UTC (8 h UTC is 10 h in Paris in summer). Messages say no weekday: the dates move with the
 * load day. Keep keys and messages unchanged: a stored demo reservation is recognised by its
 * listing, its borrower and its message.
 */

const mt_demo_reservation_t mt_demo_reservations[] = {
  /* ---- requested: waits for the owner's answer ------------------------------------------ */
  {
    .key = "cae-villeneuve/ag-ferme-du-heron",
    .listing = "velo-lille/cargo-bakfiets",
    .borrower = "cae-villeneuve",
    .requester = 1,
    .day = -1,
    .hour = 8,
    .start_day = 6,
    .end_day = 8,
    .message =
      "Bonjour ! Notre assemblée générale a lieu à la Ferme du Héron : nous aimerions emprunter "
      "le vélo cargo pour y apporter les paperboards, la sono et le buffet. Nous passerions le "
      "prendre à l'atelier en début de matinée. Merci d'avance !",
    .status = "requested",
  },
  /* ---- approved: by the owner, and at once by an "auto" listing --------------------------- */
  {
    .key = "velo-lille/fete-de-l-atelier",
    .listing = "recyclerie-roubaix/tables-brasserie",
    .borrower = "velo-lille",
    .requester = 0,
    .day = -5,
    .hour = 9,
    .start_day = 10,
    .end_day = 12,
    .units = 2,
    .message =
      "Bonjour, l'atelier fête ses dix ans dans la cour de Fives et nous attendons environ 80 "
      "personnes. Deux lots de tables et de bancs nous suffiraient ; nous viendrons les chercher "
      "avec une camionnette prêtée par un adhérent.",
    .steps = { { .kind = MT_DEMO_STEP_APPROVE,
                 .day = -4,
                 .hour = 13,
                 .person = 1,
                 .text = "C'est noté, bonne fête ! Les tables mesurent 2,20 m : prévoyez deux "
                         "personnes pour le chargement." } },
    .status = "approved",
  },
  {
    .key = "centre-social-abbeville/potager-des-familles",
    .listing = "jardin-laon/outils-jardinage",
    .borrower = "centre-social-abbeville",
    .requester = 2,
    .day = -2,
    .hour = 12,
    .start_day = 4,
    .end_day = 6,
    .message =
      "Bonjour, nous lançons un potager au pied du centre social avec les familles du quartier : "
      "vos outils pour quinze personnes tombent à pic pour la première journée de plantation.",
    .status = "approved",
  },
  /* ---- declined ---------------------------------------------------------------------------- */
  {
    .key = "evenement-compiegne/marche-zero-dechet",
    .listing = "collectivite-beauvais/podium",
    .borrower = "evenement-compiegne",
    .requester = 0,
    .day = -6,
    .hour = 8,
    .start_day = 30,
    .end_day = 32,
    .message =
      "Bonjour, nous organisons un marché de producteurs zéro déchet à Compiègne et cherchons "
      "une scène pour les concerts de l'après-midi. Votre podium serait parfait !",
    .steps = { { .kind = MT_DEMO_STEP_DECLINE,
                 .day = -5,
                 .hour = 10,
                 .person = 0,
                 .text = "Le podium ne sort qu'avec un technicien de l'Agglo pour le montage, et "
                         "aucun n'est disponible à ces dates. Réessayez la semaine suivante ?" } },
    .status = "declined",
  },
  /* ---- cancelled by the borrower after the approval ------------------------------------- */
  {
    .key = "fablab-saint-quentin/soiree-de-lancement",
    .listing = "theatre-arras/projecteurs-led",
    .borrower = "fablab-saint-quentin",
    .requester = 0,
    .day = -11,
    .hour = 9,
    .start_day = 4,
    .end_day = 6,
    .message =
      "Bonjour, nous inaugurons notre nouvel espace de fabrication et voudrions mettre la soirée "
      "de lancement en lumière : votre kit de projecteurs nous irait très bien.",
    .steps = { { .kind = MT_DEMO_STEP_APPROVE,
                 .day = -10,
                 .hour = 15,
                 .person = 1,
                 .text = "Avec plaisir ! Nous vous montrerons la console DMX au moment du "
                         "retrait." },
               { .kind = MT_DEMO_STEP_CANCEL,
                 .day = -3,
                 .hour = 16,
                 .person = 0,
                 .by_borrower = true,
                 .text = "Notre soirée de lancement est reportée à l'automne : nous libérons les "
                         "projecteurs. Merci quand même !" } },
    .status = "cancelled",
  },
  /* ---- expired: no answer before request_ttl_hours -------------------------------------- */
  {
    .key = "jardin-laon/grainotheque-en-ligne",
    .listing = "ressourcerie-lens/ordinateurs-portables",
    .borrower = "jardin-laon",
    .requester = 1,
    .day = -13,
    .hour = 8,
    .start_day = -6,
    .end_day = -4,
    .message =
      "Bonjour, nous préparons deux journées d'atelier avec les habitants pour mettre notre "
      "grainothèque en ligne : pourrions-nous emprunter les ordinateurs portables ?",
    .steps = { { .kind = MT_DEMO_STEP_EXPIRE } },
    .status = "expired",
  },
  /* ---- checked out: one under way, one overdue ------------------------------------------ */
  {
    .key = "habitat-amiens/fete-des-voisins",
    .listing = "centre-social-abbeville/jeux-bois",
    .borrower = "habitat-amiens",
    .requester = 1,
    .day = -9,
    .hour = 10,
    .start_day = -1,
    .end_day = 3,
    .message =
      "Bonjour, la fête des voisins de la résidence approche : les jeux en bois géants feraient "
      "le bonheur des enfants (et des grands). Nous les prendrions le matin du premier jour.",
    .steps = { { .kind = MT_DEMO_STEP_APPROVE,
                 .day = -8,
                 .hour = 9,
                 .person = 1,
                 .text = "Accordé ! Le lot est rangé dans deux caisses à roulettes." },
               { .kind = MT_DEMO_STEP_CHECKOUT,
                 .day = -1,
                 .hour = 8,
                 .person = 2,
                 .text = "12 jeux complets, vérifiés avec l'emprunteuse ; une quille du mölkky "
                         "est ébréchée (déjà signalée)." } },
    .status = "checked_out",
  },
  {
    .key = "ressourcerie-lens/debarras-lievin",
    .listing = "recyclerie-roubaix/remorque-750",
    .borrower = "ressourcerie-lens",
    .requester = 2,
    .day = -10,
    .hour = 8,
    .start_day = -6,
    .end_day = -4,
    .message =
      "Bonjour, nous avons un gros débarras de maison à Liévin et notre camion est au garage. "
      "Votre remorque nous sauverait la mise pour deux jours !",
    .steps = { { .kind = MT_DEMO_STEP_APPROVE, .day = -9, .hour = 14, .person = 2 },
               { .kind = MT_DEMO_STEP_CHECKOUT,
                 .day = -6,
                 .hour = 7,
                 .person = 1,
                 .text = "Remorque propre, bâche et sangles fournies, pneus gonflés. Carte grise "
                         "dans la boîte à gants." },
               { .kind = MT_DEMO_STEP_OVERDUE } },
    .status = "checked_out",
  },
  /* ---- returned: with an incident (awaits an administrator), and without ----------------- */
  {
    .key = "jardin-laon/fete-des-jardins",
    .listing = "collectivite-beauvais/tente-pliante",
    .borrower = "jardin-laon",
    .requester = 0,
    .day = -22,
    .hour = 9,
    .start_day = -13,
    .end_day = -10,
    .units = 3,
    .message =
      "Bonjour, pour la fête des jardins partagés de Laon, nous aurions besoin de trois tentes : "
      "une pour le troc de plants, une pour les semis avec les écoles et une pour la buvette.",
    .steps = { { .kind = MT_DEMO_STEP_APPROVE,
                 .day = -21,
                 .hour = 8,
                 .person = 1,
                 .text = "Accordé. Merci de les rendre sèches, ou de nous prévenir pour que nous "
                         "les fassions sécher." },
               { .kind = MT_DEMO_STEP_CHECKOUT,
                 .day = -13,
                 .hour = 8,
                 .person = 1,
                 .text = "Trois tentes complètes (toit, quatre murs, poids de lestage), toiles "
                         "propres." },
               { .kind = MT_DEMO_STEP_RETURN,
                 .day = -11,
                 .hour = 14,
                 .person = 1,
                 .text = "Deux tentes en bon état ; la troisième revient avec la toile de toit "
                         "déchirée.",
                 .incident_type = "damage",
                 .incident_text =
                   "Toile de toit déchirée sur une trentaine de centimètres par un coup de vent "
                   "pendant la fête ; l'armature est intacte. Réparation ou remplacement de la "
                   "toile à chiffrer." } },
    .status = "returned",
  },
  {
    .key = "theatre-arras/bal-des-voisins",
    .listing = "ressourcerie-lens/chaises-pliantes",
    .borrower = "theatre-arras",
    .requester = 0,
    .day = -9,
    .hour = 10,
    .start_day = -5,
    .end_day = -1,
    .message =
      "Bonjour, nous jouons « Le Bal des voisins » en plein air dans trois villages de l'Artois : "
      "vos 40 chaises compléteraient nos gradins pour le public.",
    .steps = { { .kind = MT_DEMO_STEP_APPROVE,
                 .day = -8,
                 .hour = 9,
                 .person = 1,
                 .text = "Bonne tournée ! Les chaises sont empilées par dix sur des diables." },
               { .kind = MT_DEMO_STEP_CHECKOUT,
                 .day = -5,
                 .hour = 8,
                 .person = 1,
                 .text = "40 chaises propres et complètes." },
               { .kind = MT_DEMO_STEP_RETURN,
                 .day = -2,
                 .hour = 15,
                 .person = 2,
                 .text = "40 chaises rendues propres, rien à signaler." } },
    .status = "returned",
  },
  /* ---- closed by the timers, a week after a return without incident --------------------- */
  {
    .key = "recyclerie-roubaix/bilan-du-chantier",
    .listing = "cae-villeneuve/videoprojecteur",
    .borrower = "recyclerie-roubaix",
    .requester = 1,
    .day = -30,
    .hour = 9,
    .start_day = -26,
    .end_day = -24,
    .message =
      "Bonjour, nous présentons le bilan annuel du chantier d'insertion à nos partenaires : le "
      "vidéoprojecteur et son écran nous seraient bien utiles pour la matinée.",
    .steps = { { .kind = MT_DEMO_STEP_CHECKOUT,
                 .day = -26,
                 .hour = 8,
                 .person = 2,
                 .text = "Vidéoprojecteur, câble HDMI, télécommande et écran dans leurs housses." },
               { .kind = MT_DEMO_STEP_RETURN,
                 .day = -25,
                 .hour = 16,
                 .person = 2,
                 .text = "Tout est revenu complet et en bon état, merci !" },
               { .kind = MT_DEMO_STEP_CLOSE } },
    .status = "closed",
  },
};

const size_t mt_demo_reservation_count =
  sizeof mt_demo_reservations / sizeof mt_demo_reservations[0];

/* The thread of the overdue trailer: the owner asks, the borrower explains. */
const mt_demo_message_t mt_demo_messages[] = {
  {
    .reservation = "ressourcerie-lens/debarras-lievin",
    .day = -4,
    .hour = 9,
    .person = 1,
    .text = "Bonjour, la remorque devait nous revenir hier soir : tout va bien de votre côté ?",
  },
  {
    .reservation = "ressourcerie-lens/debarras-lievin",
    .day = -4,
    .hour = 11,
    .minute = 20,
    .by_borrower = true,
    .person = 2,
    .text = "Désolé ! Le débarras a pris plus de temps que prévu et le propriétaire nous demande "
            "un dernier passage. Nous vous la ramenons dès que possible.",
  },
  {
    .reservation = "ressourcerie-lens/debarras-lievin",
    .day = -2,
    .hour = 9,
    .minute = 5,
    .person = 0,
    .text = "Pas de souci, mais nous en avons besoin pour notre collecte de la semaine "
            "prochaine. Pouvez-vous nous donner une date de retour ?",
  },
  {
    .reservation = "ressourcerie-lens/debarras-lievin",
    .day = -1,
    .hour = 16,
    .minute = 40,
    .by_borrower = true,
    .person = 0,
    .text = "Elle sera chez vous demain avant midi, promis. Merci pour votre patience !",
  },
};

const size_t mt_demo_message_count = sizeof mt_demo_messages / sizeof mt_demo_messages[0];

const mt_demo_reservation_t *
mt_demo_reservation_find (const char *key)
{
  const mt_demo_reservation_t *found = NULL;

  for (size_t i = 0; key && i < mt_demo_reservation_count && !found; i++) {
    if (strcmp (mt_demo_reservations[i].key, key) == 0) {
      found = &mt_demo_reservations[i];
    }
  }
  return found;
}

/* ==== Service bookings ========================================================================
 * Skill exchanges between the demo organisations, one or more in every state (see demo.h for
 * how they are made). Days count from midnight UTC of the load day; hours are UTC. Keep keys
 * and messages unchanged: a stored demo booking is recognised by its service, its requester
 * and its message.
 */

const mt_demo_booking_t mt_demo_bookings[] = {
  /* ---- requested: waits for the provider's answer ---------------------------------------- */
  {
    .key = "nature-dunkerque/fresque-des-benevoles",
    .listing = "jardin-laon/fresque-climat",
    .requester = "nature-dunkerque",
    .person = 1,
    .day = -2,
    .hour = 9,
    .start_day = 9,
    .start_hour = 8,
    .message = "Bonjour, nous aimerions proposer une fresque du climat à nos bénévoles avant "
               "la saison des sorties nature : une douzaine de personnes, dans notre local du "
               "quai des Oyats.",
    .status = "requested",
  },
  /* ---- accepted: the date is set ---------------------------------------------------------- */
  {
    .key = "recyclerie-roubaix/gouvernance-du-ca",
    .listing = "habitat-amiens/gouvernance-partagee",
    .requester = "recyclerie-roubaix",
    .person = 0,
    .day = -6,
    .hour = 10,
    .start_day = 5,
    .start_hour = 12,
    .message = "Bonjour, notre conseil d'administration voudrait passer à une gouvernance "
               "partagée avec les salariés du chantier : pouvez-vous nous aider à démarrer ?",
    .steps = { { .kind = MT_DEMO_BOOKING_ACCEPT, .day = -5, .hour = 14, .person = 0 } },
    .status = "accepted",
  },
  /* ---- declined ------------------------------------------------------------------------------ */
  {
    .key = "evenement-compiegne/signaletique-laser",
    .listing = "fablab-saint-quentin/decoupe-laser",
    .requester = "evenement-compiegne",
    .person = 1,
    .day = -8,
    .hour = 8,
    .start_day = 3,
    .start_hour = 13,
    .message = "Bonjour, nous voudrions graver nous-mêmes la signalétique en bois de notre "
               "prochain festival : une initiation pour deux personnes serait idéale.",
    .steps = { { .kind = MT_DEMO_BOOKING_DECLINE,
                 .day = -7,
                 .hour = 9,
                 .person = 1,
                 .text = "La découpeuse est en maintenance tout le mois : redemandez-nous une "
                         "date le mois prochain !" } },
    .status = "declined",
  },
  /* ---- cancelled by the requester after the acceptance ------------------------------------ */
  {
    .key = "theatre-arras/site-de-la-compagnie",
    .listing = "fablab-saint-quentin/site-web",
    .requester = "theatre-arras",
    .person = 1,
    .day = -12,
    .hour = 9,
    .start_day = 6,
    .start_hour = 8,
    .message = "Bonjour, le site de la compagnie date de dix ans : nous aimerions le refaire "
               "nous-mêmes avec un outil libre, pour y publier les dates de tournée.",
    .steps = { { .kind = MT_DEMO_BOOKING_ACCEPT, .day = -11, .hour = 10, .person = 1 },
               { .kind = MT_DEMO_BOOKING_CANCEL,
                 .day = -4,
                 .hour = 16,
                 .person = 1,
                 .by_requester = true,
                 .text = "La tournée d'été nous prend tout notre temps : nous reprendrons "
                         "contact à la rentrée. Merci !" } },
    .status = "cancelled",
  },
  /* ---- completed: given, waits for the requester's confirmation --------------------------- */
  {
    .key = "cafe-tourcoing/prise-de-parole-des-benevoles",
    .listing = "theatre-arras/prise-de-parole",
    .requester = "cafe-tourcoing",
    .person = 0,
    .day = -15,
    .hour = 10,
    .start_day = -3,
    .start_hour = 13,
    .message = "Bonjour, nos bénévoles animent les soirées du café et redoutent le micro : un "
               "atelier de prise de parole les aiderait beaucoup.",
    .steps = { { .kind = MT_DEMO_BOOKING_ACCEPT, .day = -14, .hour = 9, .person = 0 },
               { .kind = MT_DEMO_BOOKING_COMPLETE, .day = -3, .hour = 17, .person = 1 } },
    .status = "completed",
  },
  /* ---- confirmed and paid ------------------------------------------------------------------ */
  {
    .key = "centre-social-abbeville/comptes-annuels",
    .listing = "cae-villeneuve/comptabilite-associative",
    .requester = "centre-social-abbeville",
    .person = 0,
    .day = -25,
    .hour = 9,
    .start_day = -18,
    .start_hour = 8,
    .message = "Bonjour, notre nouvelle trésorière voudrait être accompagnée pour préparer les "
               "comptes annuels avant l'assemblée générale.",
    .steps = { { .kind = MT_DEMO_BOOKING_ACCEPT, .day = -24, .hour = 11, .person = 0 },
               { .kind = MT_DEMO_BOOKING_COMPLETE,
                 .day = -18,
                 .hour = 12,
                 .person = 0,
                 .hours = 3 },
               { .kind = MT_DEMO_BOOKING_CONFIRM, .day = -17, .hour = 9, .person = 0 } },
    .status = "confirmed",
  },
  {
    .key = "jardin-laon/passage-aux-logiciels-libres",
    .listing = "fablab-saint-quentin/logiciels-libres",
    .requester = "jardin-laon",
    .person = 1,
    .day = -30,
    .hour = 8,
    .start_day = -21,
    .start_hour = 13,
    .message = "Bonjour, nous voudrions quitter nos logiciels propriétaires pour un agenda et "
               "des documents partagés libres : par où commencer ?",
    .steps = { { .kind = MT_DEMO_BOOKING_ACCEPT, .day = -29, .hour = 14, .person = 0 },
               { .kind = MT_DEMO_BOOKING_COMPLETE,
                 .day = -21,
                 .hour = 16,
                 .person = 0,
                 .hours = 2.5 },
               { .kind = MT_DEMO_BOOKING_CONFIRM, .day = -20, .hour = 8, .person = 1 } },
    .status = "confirmed",
  },
  {
    .key = "velo-lille/seminaire-des-benevoles",
    .listing = "cae-villeneuve/intelligence-collective",
    .requester = "velo-lille",
    .person = 0,
    .day = -40,
    .hour = 9,
    .start_day = -33,
    .start_hour = 8,
    .message = "Bonjour, nous réunissons nos bénévoles pour écrire le projet associatif des "
               "trois prochaines années : une animation en intelligence collective serait "
               "précieuse.",
    .steps = { { .kind = MT_DEMO_BOOKING_ACCEPT, .day = -39, .hour = 10, .person = 1 },
               { .kind = MT_DEMO_BOOKING_COMPLETE, .day = -33, .hour = 12, .person = 1 },
               { .kind = MT_DEMO_BOOKING_CONFIRM, .day = -31, .hour = 9, .person = 0 } },
    .status = "confirmed",
  },
};

const size_t mt_demo_booking_count = sizeof mt_demo_bookings / sizeof mt_demo_bookings[0];

const mt_demo_booking_t *
mt_demo_booking_find (const char *key)
{
  const mt_demo_booking_t *found = NULL;

  for (size_t i = 0; key && i < mt_demo_booking_count && !found; i++) {
    if (strcmp (mt_demo_bookings[i].key, key) == 0) {
      found = &mt_demo_bookings[i];
    }
  }
  return found;
}

/* ==== Needs ===================================================================================
 * What the demo organisations look for, answered by others with a listing or a message (see
 * demo.h). Keep keys and titles unchanged: a stored demo need is recognised by its author and
 * its title.
 */

const mt_demo_need_t mt_demo_needs[] = {
  /* ---- open, answered with a listing ---------------------------------------------------- */
  {
    .key = "jardin-laon/sono-12-juin",
    .org = "jardin-laon",
    .person = 0,
    .day = -9,
    .hour = 8,
    .kind = GOOD,
    .title = "Nous cherchons une sono pour le 12 juin",
    .description = "Pour la fête du jardin partagé : une petite sono avec un ou deux micros, "
                   "pour les annonces et un concert acoustique. Nous pouvons venir la chercher.",
    .category = "sonorisation-video",
    .tags = { "sono", "fête", "micro" },
    .visibility = PUBLIC,
    .answers = { { .org = "cafe-tourcoing",
                   .person = 0,
                   .day = -8,
                   .hour = 14,
                   .listing = "cafe-tourcoing/sono-200w",
                   .text = "Notre sono portable est libre à cette date : réservez-la "
                           "directement depuis l'annonce !" } },
  },
  {
    .key = "habitat-amiens/animer-notre-ag",
    .org = "habitat-amiens",
    .person = 0,
    .day = -7,
    .hour = 9,
    .kind = SERVICE,
    .title = "Aide pour animer notre AG",
    .description = "Notre assemblée générale réunit une quarantaine d'habitants : nous cherchons "
                   "quelqu'un pour l'animer, faire parler tout le monde et tenir l'horaire.",
    .category = "animation-facilitation",
    .tags = { "assemblée générale", "animation", "gouvernance" },
    .visibility = NETWORKS,
    .wanted_from_day = 20,
    .wanted_to_day = 21,
    .answers = { { .org = "cae-villeneuve",
                   .person = 0,
                   .day = -6,
                   .hour = 11,
                   .listing = "cae-villeneuve/intelligence-collective" },
                 { .org = "theatre-arras",
                   .person = 0,
                   .day = -5,
                   .hour = 15,
                   .text = "Nos comédiens animent volontiers des AG avec un peu de théâtre "
                           "forum : appelez-nous pour en parler." } },
  },
  /* ---- open, answered with a message --------------------------------------------------- */
  {
    .key = "nature-dunkerque/barnums-fete-de-la-nature",
    .org = "nature-dunkerque",
    .person = 1,
    .day = -10,
    .hour = 10,
    .kind = GOOD,
    .title = "Deux barnums pour la fête de la nature",
    .description = "Pour accueillir le public sur la plage en cas d'averse pendant la fête de la "
                   "nature : deux barnums de 3 × 3 m au moins.",
    .category = "tentes-barnums",
    .tags = { "barnum", "fête de la nature", "plein air" },
    .visibility = PUBLIC,
    .wanted_from_day = 15,
    .wanted_to_day = 17,
    .answers = { { .org = "ressourcerie-lens",
                   .person = 0,
                   .day = -9,
                   .hour = 16,
                   .text = "Nous en avons deux en cours de réparation à la ressourcerie : ils "
                           "seront prêts à temps, nous publions l'annonce dès la semaine "
                           "prochaine." } },
  },
  /* ---- open, not answered yet ------------------------------------------------------------ */
  {
    .key = "evenement-compiegne/vaisselle-300-convives",
    .org = "evenement-compiegne",
    .person = 0,
    .day = -3,
    .hour = 8,
    .kind = GOOD,
    .title = "Vaisselle réutilisable pour 300 convives",
    .description = "Assiettes, verres et couverts réutilisables pour le repas d'un festival "
                   "zéro déchet ; nous nous chargeons du lavage.",
    .category = "cuisine-vaisselle",
    .tags = { "vaisselle", "zéro déchet", "festival" },
    .visibility = PUBLIC,
    .wanted_from_day = 25,
    .wanted_to_day = 27,
  },
  {
    .key = "theatre-arras/couture-costumes",
    .org = "theatre-arras",
    .person = 1,
    .day = -4,
    .hour = 13,
    .kind = SERVICE,
    .title = "Un coup de main en couture pour nos costumes",
    .description = "Une dizaine de costumes à reprendre avant la tournée d'été : ourlets, "
                   "boutons, quelques retouches. Une après-midi suffirait à deux personnes.",
    .category = "autres-services",
    .tags = { "couture", "costumes", "bénévolat" },
    .visibility = NETWORKS,
  },
  /* ---- closed: found ---------------------------------------------------------------------- */
  {
    .key = "centre-social-abbeville/velo-cargo-fete-de-quartier",
    .org = "centre-social-abbeville",
    .person = 1,
    .day = -20,
    .hour = 9,
    .kind = GOOD,
    .title = "Un vélo cargo pour la fête de quartier",
    .description = "Pour transporter les jeux et le goûter entre le centre social et le parc "
                   "pendant la fête de quartier.",
    .category = "velos-cargo",
    .tags = { "vélo cargo", "fête de quartier" },
    .visibility = PUBLIC,
    .answers = { { .org = "velo-lille",
                   .person = 1,
                   .day = -19,
                   .hour = 10,
                   .listing = "velo-lille/cargo-triporteur",
                   .text = "Notre triporteur électrique fera l'affaire ; il voyage bien en "
                           "train jusqu'à Abbeville." } },
    .close_day = -16,
    .close_hour = 11,
    .close_reason = "Trouvé grâce à l'atelier vélo de Lille, merci !",
  },
};

const size_t mt_demo_need_count = sizeof mt_demo_needs / sizeof mt_demo_needs[0];

const mt_demo_need_t *
mt_demo_need_find (const char *key)
{
  const mt_demo_need_t *found = NULL;

  for (size_t i = 0; key && i < mt_demo_need_count && !found; i++) {
    if (strcmp (mt_demo_needs[i].key, key) == 0) {
      found = &mt_demo_needs[i];
    }
  }
  return found;
}
