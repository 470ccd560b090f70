"""English texts of single sign-on (the login page's provider button, its refusals) and of
the account page, keyed by the French text they translate; merged into english.MESSAGES."""

# fmt: off
OIDC_MESSAGES: dict[str, str] = {
    "Agents": "Agents",
    "Se connecter avec {label}": "Log in with {label}",
    "Compte local": "Local account",
    "Réservé aux administrateurs et aux postes de numérisation.": "For administrators and scanning stations.",
    "La réponse de {label} a expiré avant d'arriver. Reconnectez-vous.": "The answer of {label} expired before it arrived. Log in again.",
    "Cette réponse de {label} a déjà servi ou ne répond à aucune connexion commencée ici. Recommencez depuis cette page.": "This answer of {label} was already used, or answers no login started here. Start again from this page.",
    "Votre compte est désactivé dans ged. Adressez-vous à un administrateur.": "Your account is disabled in ged. Ask an administrator.",
    "Un compte local de ged porte déjà votre identifiant : un administrateur doit le renommer avant que vous puissiez vous connecter avec {label}.": "A local ged account already has your user name: an administrator must rename it before you can log in with {label}.",
    "{label} n'a pas transmis de quoi vous identifier (votre adresse électronique). Adressez-vous à un administrateur.": "{label} did not send what identifies you (your e-mail address). Ask an administrator.",
    "{label} n'a pas pu être joint ou a refusé la connexion. Réessayez dans quelques instants.": "{label} could not be reached or refused the login. Try again in a moment.",
    "La réponse de {label} n'a pas pu être vérifiée : la connexion est refusée. Réessayez ; si cela se reproduit, prévenez un administrateur.": "The answer of {label} could not be verified: the login is refused. Try again; if it happens again, tell an administrator.",
    "Mon compte": "My account",
    "par {label}, qui tient à jour votre service et vos groupes à chaque connexion": "through {label}, which updates your unit and groups at every login",
    "compte local, par mot de passe": "local account, with a password",
}
# fmt: on
