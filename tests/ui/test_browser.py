"""The web UI in a real browser (Debian's Chromium, headless) against a running ged:
`ged serve` and a `ged worker` on real OpenSearch and Redis (see conftest.py)."""

from __future__ import annotations

import base64
import re
from urllib.parse import parse_qs, urlsplit

from axe_playwright_python.sync_playwright import Axe

from ged.bootstrap import build
from ged.models import Transfer
from ged.web.ui.accessibility import CRITERIA, axe_rules
from tests.apiclient import PASSWORD
from tests.ged.transfer_setup import make_transfer
from tests.ui.conftest import SCREENSHOTS, WORD, pdf_bytes

SECURITY_HEADERS = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
}


def serious_violations(page) -> list[str]:
    """axe-core's serious and critical findings on the page as it is now."""
    results = Axe().run(page)
    return [
        f"{v['id']} ({v['impact']}): {v['help']}"
        for v in results.response["violations"]
        if v["impact"] in ("serious", "critical")
    ]


def log_in(page, username="agent", password=PASSWORD):
    page.goto("/connexion")
    page.get_by_label("Identifiant").fill(username)
    page.get_by_label("Mot de passe").fill(password)
    page.get_by_role("button", name="Se connecter").click()


def test_login_says_what_is_wrong_then_lets_the_agent_in(page):
    page.goto("/deposer")
    assert page.url.endswith("/connexion?next=/deposer%3F") or "/connexion" in page.url
    log_in(page, password="pas le bon mot de passe")
    error = page.locator("#password-error")
    assert "Identifiant ou mot de passe incorrect." in error.inner_text()
    assert page.get_by_label("Mot de passe").get_attribute("aria-invalid") == "true"
    log_in(page)
    page.wait_for_url("**/recherche")
    assert page.locator(".account .who").inner_text().startswith("agent")


def test_search_keeps_the_query_in_the_url_and_facets_narrow_it(page, live_ged):
    log_in(page)
    page.get_by_label("Rechercher dans les archives").fill(WORD)
    page.get_by_role("button", name="Rechercher", exact=True).click()
    page.wait_for_url(re.compile(rf"/recherche\?q={WORD}$"))
    assert page.get_by_role("heading", name="4 documents").is_visible()
    assert page.locator(".snippet mark").first.inner_text().lower() == WORD.lower()
    assert "p. 1" in page.locator(".snippet").first.inner_text()

    page.locator(".facets").get_by_role("link", name=re.compile(r"^Facture \(1\)")).click()
    page.wait_for_url(re.compile(r"document_type=facture"))
    query = parse_qs(urlsplit(page.url).query)
    assert query == {"q": [WORD], "document_type": ["facture"]}
    assert page.get_by_role("heading", name="1 document").is_visible()
    assert page.locator(".hit h3").all_inner_texts() == ["Facture de voirie"]
    # The URL is the search: opened afresh, it gives the same page.
    page.goto(page.url)
    assert page.locator(".hit h3").all_inner_texts() == ["Facture de voirie"]
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SCREENSHOTS / "search.png", full_page=True)

    page.get_by_role("link", name=re.compile("Type : Facture")).click()
    page.get_by_label("Rechercher dans les archives").fill("introuvablissime")
    page.get_by_role("button", name="Rechercher", exact=True).click()
    assert "Aucun document ne correspond" in page.locator(".results").inner_text()


def test_someone_without_rights_sees_neither_the_documents_nor_their_counts(page):
    log_in(page, "outsider")
    page.goto(f"/recherche?q={WORD}")
    assert page.get_by_role("heading", name="0 document").is_visible()
    assert page.locator(".facets").count() == 0 or page.locator(".facets li").count() == 0


def drop_files(page, selector: str, files: list[tuple[str, bytes]]) -> None:
    """What a drag and drop from the desktop delivers: a drop event carrying File objects."""
    payload = [{"name": name, "data": base64.b64encode(data).decode()} for name, data in files]
    transfer = page.evaluate_handle(
        """files => {
            const transfer = new DataTransfer();
            for (const file of files) {
                const bytes = Uint8Array.from(atob(file.data), c => c.charCodeAt(0));
                transfer.items.add(new File([bytes], file.name, {type: "application/pdf"}));
            }
            return transfer;
        }""",
        payload,
    )
    page.dispatch_event(selector, "dragover", {"dataTransfer": transfer})
    page.dispatch_event(selector, "drop", {"dataTransfer": transfer})


def test_two_files_dropped_upload_with_progress_and_reach_done(page, tmp_path):
    log_in(page)
    page.goto("/deposer")
    page.get_by_label("Service").select_option("Urbanisme")
    page.get_by_label("Étiquettes").fill("dépôt navigateur")
    files = [
        ("premier.pdf", pdf_bytes(tmp_path, "1.pdf", "Délibération Plouzévédéenne", 11)),
        ("second.pdf", pdf_bytes(tmp_path, "2.pdf", "Arrêté Plouzévédéenne", 12)),
    ]
    drop_files(page, "#drop-zone", files)
    items = page.locator(".upload-item")
    items.nth(1).wait_for()
    assert items.count() == 2
    for index in range(2):
        item = items.nth(index)
        assert (
            item.get_by_role("progressbar")
            .get_attribute("aria-label")
            .startswith("Progression de l'envoi de")
        )
        # Final when the pipeline is over: text read, classified, indexed.
        page.wait_for_selector(f".upload-item:nth-child({index + 1})[data-final]", timeout=90_000)
        assert item.get_attribute("data-status") == "done", item.inner_text()
        assert item.locator("progress").evaluate("bar => bar.value") == 100
        assert "Terminé" in item.locator(".upload-status").inner_text()
    assert {name for name in items.locator(".upload-name").all_inner_texts()} == {
        "premier.pdf — Ouvrir le document",
        "second.pdf — Ouvrir le document",
    }
    items.first.get_by_role("link", name="Ouvrir le document").click()
    assert page.get_by_label("Étiquettes").input_value() == "dépôt navigateur"


def test_editing_a_document_shows_the_error_next_to_the_field(page, live_ged):
    log_in(page)
    document_id = live_ged.documents["edit"]
    page.goto(f"/documents/{document_id}")
    assert "Terminé" in page.get_by_role("status").first.inner_text()
    page.get_by_label("Titre").fill("")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    error = page.locator("#title-error")
    assert "Le titre est obligatoire." in error.inner_text()
    assert page.get_by_label("Titre").get_attribute("aria-describedby") == "title-error"
    summary = page.locator(".error-summary")
    assert "Le titre est obligatoire." in summary.inner_text()

    page.get_by_label("Titre").fill("Courrier du maire")
    page.get_by_label("Type de document").select_option("deliberation")
    page.get_by_role("button", name="Enregistrer", exact=True).click()
    assert "Modifications enregistrées." in page.locator(".flash").inner_text()
    assert page.get_by_role("heading", level=1).inner_text() == "Courrier du maire"
    assert "Type choisi par une personne." in page.locator(".classification").inner_text()


def test_review_queue_confirms_a_type_in_one_click(page, live_ged):
    document_id = live_ged.documents["review"]
    live_ged.set_needs_review(document_id)
    log_in(page)
    page.goto("/a-verifier")
    item = page.locator(f"#document-{document_id}")
    item.get_by_label("Type de « Note à classer »").select_option("compte_rendu")
    item.get_by_role("button", name="Valider ce type").click()
    assert "« Note à classer » classé comme Compte rendu." in page.locator(".flash").inner_text()
    assert page.locator(f"#document-{document_id}").count() == 0


def test_logout_ends_the_session(page):
    log_in(page)
    page.wait_for_url("**/recherche")
    page.get_by_role("button", name="Se déconnecter").click()
    assert "Vous êtes déconnecté." in page.locator(".flash").inner_text()
    page.goto("/deposer")
    assert "/connexion" in page.url


def test_a_form_post_without_its_csrf_token_is_refused(page):
    log_in(page)
    page.wait_for_url("**/recherche")
    response = page.request.post("/deconnexion", form={})
    assert response.status == 400
    assert "Le formulaire a expiré" in response.text()
    page.goto("/deposer")
    assert page.url.endswith("/deposer")  # still logged in


PAGES = {
    "agent": [
        "/recherche?q=" + WORD,
        "/documents/{arrete}",
        "/documents/{arrete}/pages/modifier",
        "/documents/fusion?ids={arrete}&ids={facture}",
        "/deposer",
        "/a-verifier",
        "/compte/mot-de-passe",
    ],
    "admin": ["/admin/utilisateurs", "/admin/jetons", "/admin/dossiers"],
    "auditor": ["/audit", "/audit/verification"],
    "archivist": [
        "/conservation/regles",
        "/conservation/regles/1",
        "/gels",
        "/elimination/a-eliminer",
        "/elimination/a-verser",
        "/elimination/bordereaux",
        "/versements",
        "/versements/{transfer}",
    ],
    "archives_authority": ["/elimination/bordereaux?statut=submitted"],
}


def ready_transfer(live_ged) -> int:
    """A transfer of the seeded invoice (under its default rule) whose package was sent:
    its page shows the documents and the form for the archives' reply."""
    runtime = build(live_ged.settings)
    try:
        return make_transfer(runtime, "archivist", [live_ged.documents["facture"]])[0]
    finally:
        runtime.close()


def test_every_page_has_a_language_a_main_landmark_labels_and_the_security_headers(page, live_ged):
    """And passes axe-core's checks with no serious or critical violation."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    objects = {**live_ged.documents, "transfer": ready_transfer(live_ged)}
    checked = []
    for who, paths in [(None, ["/connexion", "/accessibilite"]), *PAGES.items()]:
        page.context.clear_cookies()
        if who:
            log_in(page, who)
        for path in paths:
            response = page.goto(path.format(**objects))
            assert response.status == 200, path
            headers = response.headers
            for name, value in SECURITY_HEADERS.items():
                assert headers[name] == value, (path, name)
            policy = headers["content-security-policy"]
            assert "'unsafe-inline'" not in policy and "frame-ancestors 'none'" in policy
            assert page.locator("html").get_attribute("lang") == "fr"
            assert page.locator("main").count() == 1
            unlabelled = page.evaluate(
                """() => [...document.querySelectorAll('input, select, textarea')]
                    .filter(e => e.type !== 'hidden')
                    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
                    .map(e => e.name || e.id)"""
            )
            assert unlabelled == [], (path, unlabelled)
            assert serious_violations(page) == [], path
            checked.append(path)
            shot = {
                "/documents/{arrete}": "document",
                "/documents/{arrete}/pages/modifier": "pages",
                "/audit": "audit",
                "/versements/{transfer}": "transfer",
            }.get(path)
            if shot:
                # The PDF viewer draws its toolbar a moment after the page has loaded.
                page.wait_for_timeout(1500)
                page.screenshot(path=SCREENSHOTS / f"{shot}.png", full_page=True)
    assert len(checked) == 23


def test_english_is_one_click_away(page):
    page.goto("/connexion")
    page.get_by_role("link", name="English").click()
    assert page.locator("html").get_attribute("lang") == "en"
    assert page.get_by_role("heading", level=1).inner_text() == "Log in"
    log_in_button = page.get_by_role("button", name="Log in")
    assert log_in_button.is_visible()


def test_the_api_browser_shows_every_operation_from_ged_itself_under_the_strict_policy(
    page, live_ged
):
    problems = []
    page.on("console", lambda message: message.type == "error" and problems.append(message.text))
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda answer: answer.status >= 400 and problems.append(answer.url))
    elsewhere = []
    page.on(
        "request",
        lambda request: (
            not request.url.startswith(live_ged.url)
            and not request.url.startswith("data:")
            and elsewhere.append(request.url)
        ),
    )
    response = page.goto("/api/v1/docs")
    assert "script-src 'self'" in response.headers["content-security-policy"]
    page.locator(".opblock").first.wait_for()
    spec = page.request.get("/api/v1/openapi.json").json()
    operations = sum(
        method in ("get", "post", "put", "patch", "delete")
        for methods in spec["paths"].values()
        for method in methods
    )
    assert page.locator(".opblock").count() == operations
    tags = [text.split("\n")[0] for text in page.locator(".opblock-tag").all_inner_texts()]
    assert tags[:2] == ["Documents", "Search"]
    assert problems == [], problems
    assert elsewhere == [], elsewhere


def test_a_document_due_is_destroyed_after_a_visa_and_its_certificate_downloaded(page, tmp_path):
    """The disposal workflow end to end: a 0-day rule, a filing, the "À éliminer" queue, a
    list proposed, the archives authority's visa, the worker's destruction, the certificate."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    log_in(page, "admin")
    page.wait_for_url("**/recherche")
    page.locator(".main-nav").get_by_role("link", name="Conservation").click()
    page.get_by_label("Type de document").select_option("convention")
    page.get_by_label("Durée : années").fill("0")
    page.get_by_label("À compter de").select_option("created")
    page.get_by_label("Sort final").select_option("destroy")
    page.get_by_label("Référence au tableau de gestion").fill("Conventions : élimination immédiate")
    page.get_by_role("button", name="Créer la règle").click()
    assert "en vigueur" in page.locator(".flash").inner_text()
    assert "Conventions : élimination immédiate" in page.locator("table").inner_text()
    page.screenshot(path=SCREENSHOTS / "lifecycle-1-rule.png", full_page=True)

    page.goto("/deposer")
    page.get_by_label("Type de document").select_option("convention")
    content = pdf_bytes(tmp_path, "c.pdf", "Convention Plonéourienne", 21)
    drop_files(page, "#drop-zone", [("convention.pdf", content)])
    page.wait_for_selector(".upload-item[data-final]", timeout=60_000)
    link = page.locator(".upload-item").get_by_role("link", name="Ouvrir le document")
    document_id = int(link.get_attribute("href").rsplit("/", 1)[1])

    queue = page.locator(".main-nav").get_by_role("link", name=re.compile("^À éliminer"))
    queue.click()
    # The navigation counts the documents due, this one among them.
    assert int(queue.locator(".nav-count").inner_text()) >= 1
    assert page.get_by_role("heading", level=1).inner_text() == "À éliminer"
    page.locator(f"#pick-{document_id}").check()
    page.get_by_label("Titre du bordereau").fill("Conventions échues")
    page.screenshot(path=SCREENSHOTS / "lifecycle-2-queue.png", full_page=True)
    page.get_by_role("button", name="Créer un bordereau avec les documents cochés").click()
    assert "1 document ajouté" in page.locator(".flash").inner_text()
    page.get_by_role("button", name="Soumettre au visa").click()
    assert page.locator(".list-status").inner_text() == "En attente du visa"
    # The proposer is offered no visa.
    assert page.get_by_role("button", name="Accorder le visa").count() == 0
    list_url = page.url
    page.screenshot(path=SCREENSHOTS / "lifecycle-3-submitted.png", full_page=True)

    page.get_by_role("button", name="Se déconnecter").click()
    log_in(page, "archives_authority")
    page.wait_for_url("**/recherche")
    page.get_by_role("link", name="Visa d'élimination", exact=True).click()
    page.get_by_role("link", name="Conventions échues").click()
    assert page.url == list_url
    assert serious_violations(page) == []
    page.get_by_label("Commentaire").fill("Visa accordé, délai écoulé")
    page.screenshot(path=SCREENSHOTS / "lifecycle-4-visa.png", full_page=True)
    page.get_by_role("button", name="Accorder le visa").click()
    assert "Visa accordé" in page.locator(".flash").inner_text()

    # The worker destroys the document and issues the certificate.
    for _attempt in range(60):
        if page.get_by_role("heading", name="Certificat d'élimination").count():
            break
        page.wait_for_timeout(500)
        page.reload()
    assert page.locator(".list-status").inner_text() == "Éliminé, certificat disponible"
    assert "Détruit" in page.locator("table").inner_text()
    page.screenshot(path=SCREENSHOTS / "lifecycle-5-certificate.png", full_page=True)
    with page.expect_download() as download:
        page.get_by_role("link", name="Certificat (PDF)").click()
    saved = tmp_path / download.value.suggested_filename
    download.value.save_as(saved)
    assert saved.name.endswith(".pdf") and saved.read_bytes().startswith(b"%PDF")
    # The destroyed document answers with its notice, not its content.
    assert page.request.get(f"/documents/{document_id}").status == 410


def test_a_transfer_page_follows_its_build_then_shows_the_package(page, live_ged):
    """The progress bar moves as the builder writes files, under the strict policy; once
    the package is ready the page reloads itself and offers it."""
    problems = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    runtime = build(live_ged.settings)
    try:
        transfer_id, _message = make_transfer(
            runtime, "archivist", [live_ged.documents["facture"]], status="building"
        )
        log_in(page, "archivist")
        page.wait_for_url("**/recherche")
        page.goto(f"/versements/{transfer_id}")
        assert page.get_by_role("progressbar", name="Avancement").count() == 1
        with runtime.unit_of_work() as uow:
            transfer = uow.session.get_one(Transfer, transfer_id)
            transfer.progress_done, transfer.progress_total = 1, 4
            uow.commit()
        page.get_by_text("Fichiers écrits : 1 sur 4").wait_for()
        assert page.locator("progress").get_attribute("max") == "4"
        with runtime.unit_of_work() as uow:
            uow.session.get_one(Transfer, transfer_id).status = "ready"
            uow.commit()
        page.get_by_role("link", name="Télécharger le paquet (ZIP)").wait_for()
        assert page.locator(".transfer-status").inner_text().startswith("Paquet prêt")
    finally:
        runtime.close()
    assert problems == [], problems


def test_the_accessibility_statement_names_rules_that_axe_runs_here(page, live_ged):
    """Each rule the statement cites exists in the axe-core of these tests and ran on a
    page (it was not disabled, and the criterion is really checked)."""
    page.goto("/accessibilite")
    statement = page.locator("main").inner_text()
    assert all(criterion.number in statement for criterion in CRITERIA)
    log_in(page)
    page.goto("/recherche?q=" + WORD)
    results = Axe().run(page).response
    ran = {
        rule["id"]
        for kind in ("passes", "violations", "incomplete", "inapplicable")
        for rule in results[kind]
    }
    assert axe_rules() <= ran, axe_rules() - ran


FOCUSED = """() => {
    const e = document.activeElement, style = getComputedStyle(e);
    return {tag: e.tagName, text: (e.innerText || e.value || e.name || '').trim().slice(0, 40),
            visible: e.getBoundingClientRect().width > 0 && e.getBoundingClientRect().left >= 0,
            outline: style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) >= 2};
}"""


def test_the_keyboard_reaches_everything_with_a_visible_focus_in_page_order(page, live_ged):
    """RGAA 10.7, 12.7 and 12.8, which no axe rule checks: the first Tab shows the skip
    link, which leads to the content; every element then focused shows its outline, on
    screen, in the order of the page."""
    log_in(page)
    page.goto("/recherche?q=" + WORD)
    page.keyboard.press("Tab")
    first = page.evaluate(FOCUSED)
    assert first["text"] == "Aller au contenu" and first["visible"] and first["outline"]
    page.keyboard.press("Enter")
    assert page.evaluate("() => document.activeElement.id") == "contenu"
    order = page.evaluate(
        """() => [...document.querySelectorAll(
                'main a[href], main button, main input:not([type=hidden]), main select, main summary')]
            .filter(e => e.checkVisibility() && !e.disabled && e.tabIndex >= 0)
            .map(e => (e.innerText || e.value || e.name || '').trim().slice(0, 40))"""
    )[:25]
    seen: list[str] = []
    for _ in range(4 * len(order)):  # a date field takes a Tab per part (day, month, year)
        page.keyboard.press("Tab")
        focused = page.evaluate(FOCUSED)
        assert focused["visible"] and focused["outline"], str((focused, seen, order))
        if not seen or seen[-1] != focused["text"]:
            seen.append(focused["text"])
        if len(seen) == len(order):
            break
    assert seen == order
