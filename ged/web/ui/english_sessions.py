"""English texts of the sessions' and tokens' pages (see english.py)."""

# fmt: off
SESSION_MESSAGES: dict[str, str] = {
    'Votre session a expiré ou a été fermée : reconnectez-vous.': 'Your session has expired or was ended: log in again.',
    'Mes sessions': 'My sessions',
    "Les navigateurs où votre compte est connecté. Fermez une session que vous ne reconnaissez pas, puis changez votre mot de passe. Une session se ferme seule après {idle} minutes sans activité, et {hours} heures après la connexion.": "The browsers where your account is logged in. End a session you do not recognise, then change your password. A session ends by itself after {idle} minutes without activity, and {hours} hours after the login.",
    'Sessions ouvertes': 'Open sessions',
    'Ouverte le': 'Opened',
    'Dernière activité': 'Last activity',
    'Adresse IP': 'IP address',
    'Navigateur': 'Browser',
    'Fin au plus tard': 'Ends at the latest',
    'Cette session': 'This session',
    'Fermer': 'End',
    'la session ouverte le {day}': 'the session opened {day}',
    'Aucune session ouverte.': 'No open session.',
    'Session fermée : son navigateur est déconnecté dès sa prochaine action.': 'Session ended: its browser is logged out at its next action.',
    'Complet': 'Full',
    'Lecture seule': 'Read only',
    'Dépôt seulement': 'Upload only',
    'Portée': 'Scope',
    'Fin de validité': 'Valid until',
    'aucune': 'none',
    "Un poste de numérisation n'a besoin que du dépôt : son jeton ne peut alors ni lire ni chercher dans les archives.": 'A scanning station needs upload only: its token then can neither read nor search the archive.',
    "Valable jusqu'au (inclus)": 'Valid through (inclusive)',
    "Vide : jusqu'à sa révocation.": 'Empty: until it is revoked.',
    "Le dernier jour de validité doit être aujourd'hui ou plus tard.": 'The last valid day must be today or later.',
    'Choisissez une portée parmi celles proposées.': 'Choose one of the scopes offered.',
}
# fmt: on
