/*
 * demo_data: the networks, organisations and people of the demonstration data set.
 * Add an organisation by adding a row; keep existing keys and e-mails unchanged, since a
 * store loaded before finds its demo organisations through them.
 */
#include "demo_data.h"

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
