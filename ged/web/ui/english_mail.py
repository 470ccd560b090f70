"""English texts of what the document page shows of documents filed from e-mail (see english.py)."""

# fmt: off
MAIL_MESSAGES: dict[str, str] = {
    'Documents liés': 'Linked documents',
    'pièce jointe': 'attachment',
    "courriel d'origine": 'e-mail it came with',
    'Courriel reçu': 'E-mail received',
    'Boîte aux lettres': 'Mailbox',
    'Expéditeur': 'Sender',
    'Destinataires': 'Recipients',
    "Date d'envoi": 'Sent on',
    'Accusé de réception': 'Acknowledgement of receipt',
    'envoyé': 'sent',
    'à envoyer': 'to be sent',
    'non envoyé': 'not sent',
    'Boîtes aux lettres': 'Mailboxes',
    'Messages traités depuis le début du comptage': 'Messages handled since counting began',
    'Accusés de réception': 'Acknowledgements',
    "Aucune boîte aux lettres n'est configurée (section [[mail.accounts]] de la configuration).": 'No mailbox is configured ([[mail.accounts]] section of the configuration).',
}
# fmt: on
