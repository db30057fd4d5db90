"""Interface strings in English and French, and the choice of interface language per request.

Only the interface is translated; documents are always shown in their own language.
The language comes from ``?ui=`` (then remembered in a cookie), else the cookie, else
``Accept-Language``, else the app's ``UI_DEFAULT_LOCALE``.
"""

from __future__ import annotations

from urllib.parse import quote
from urllib.parse import urlencode

from flask import Flask
from flask import current_app
from flask import g
from flask import request

LOCALES = ("en", "fr")
LOCALE_NAMES = {"en": "English", "fr": "Français"}  # each in its own language, for the switch
UI_PARAM = "ui"
UI_COOKIE = "ui"
COOKIE_MAX_AGE = 365 * 24 * 3600

STRINGS = {
    "en": {
        "tagline": "Bilingual passage search",
        "skip_to_content": "Skip to content",
        "skip_to_filters": "Skip to filters",
        "highlight_hint": "Matching words are highlighted.",
        "ui_switch_label": "Interface language",
        "title_home": "Passerelle – bilingual passage search",
        "title_results": "“{q}” – Passerelle",
        "title_filtered": "Passages: {filters} – Passerelle",
        "title_page": "page {n}",
        "search_label": "Search passages in English and French",
        "search_placeholder": 'money laundering, "port security", lang:fr',
        "search_button": "Search",
        "sort_label": "Sort by",
        "sort_relevance": "Relevance",
        "sort_newest": "Newest first",
        "results_heading": "Results",
        "count_one": "{n} passage",
        "count_other": "{n} passages",
        "in_documents_one": "in {n} document",
        "in_documents_other": "in {n} documents",
        "took": "in {ms} ms",
        "took_under_1": "in under 1 ms",
        "range": "showing {first}–{last}",
        "range_single": "showing {first}",
        "range_documents": "documents {first}–{last}",
        "range_documents_single": "document {first}",
        "group_off": "Show every passage",
        "group_on": "Group by document",
        "sub_results": "More passages from this document",
        "more_in_document_one": "{n} more passage in this document",
        "more_in_document_other": "{n} more passages in this document",
        "no_results": "No passage matches your search.",
        "no_results_hint": "Check the spelling, use fewer words, or remove a filter.",
        "page_empty": "This page is past the last result.",
        "first_page": "Go to the first page",
        "did_you_mean": "Did you mean",
        "also_searched": "Also searched:",
        "via_glossary": "glossary",
        "via_dictionary": "dictionary",
        "via_learned": "learned from your documents",
        "via_cognate": "cognate",
        "via_number": "number in words",
        "expansion_off": "search only my words",
        "expansion_is_off": "Only your own words were searched.",
        "expansion_on": "Also search equivalents in the other language",
        "relaxed": "No passage has all your words; these passages have some of them.",
        "facets_heading": "Refine",
        "facet_lang": "Language",
        "facet_project": "Project",
        "facet_partner": "Partner",
        "facet_topic": "Topic",
        "facet_year": "Year",
        "dates_legend": "Dates",
        "date_from": "From",
        "date_to": "To",
        "date_hint": "YYYY, YYYY-MM or YYYY-MM-DD",
        "date_apply": "Apply dates",
        "facet_more": "{n} more",
        "lang_en": "English",
        "lang_fr": "French",
        "passage_in_en": "Passage in English",
        "passage_in_fr": "Passage in French",
        # A version is named in its own language, as language switchers are.
        "version_en": "English version ›",
        "version_fr": "Version française ›",
        "parallel_show": "Show both versions side by side",
        "parallel_hide": "Show this version only",
        "parallel_counterpart": "Aligned passage of the translation",
        "active_filters": "Active filters",
        "remove_filter": "Remove filter: {label}",
        "clear_filters": "Clear all filters",
        "add_filter": "Show only passages tagged {label}",
        "tags_label": "Tags",
        "pagination": "Result pages",
        "previous": "Previous",
        "next": "Next",
        "page_n": "Page {n}",
        "syntax_heading": "How to search",
        "syntax_intro": "Type words in English or French; every passage of every document is searched, "
        "in both languages.",
        "syntax_words": "passages with these words (any form: launder, laundering), those with all of them, "
        "close together, first",
        "syntax_and": "only passages with both words",
        "syntax_phrase": "these words together, in this order",
        "syntax_or": "either word",
        "syntax_not": "leave out passages with this word",
        "syntax_group": "one of the words in parentheses is required, the others rank the passages",
        "syntax_lang": "only passages in French (lang:en for English)",
        "syntax_project": "only passages about a project",
        "syntax_partner": "only passages naming a partner",
        "syntax_topic": "only passages on a topic",
        "doc_language": "Language",
        "doc_publisher": "Publisher",
        "doc_source": "Source",
        "doc_open_source": "Original page",
        "doc_updated": "Updated",
        "doc_date": "Date",
        "file_date": "(file date)",
        "page_number": "p. {n}",
        "doc_original": "Original file",
        "doc_open_original": "Open the original file",
        "passage_in_original": "Open the original at page {n}",
        "original_not_found": "The original file of “{doc_id}” is not available.",
        "doc_tags": "Tags",
        "doc_contents": "Contents",
        "passage_permalink": "Link to this passage",
        "passage_copy_hint": "Copy the link to this passage",
        "passage_copied": "Link copied",
        "passage_in_source": "See in the original page",
        "passage_missing": "The passage you were looking for is no longer in this document "
        "(it may have been edited). Here is the whole document.",
        "highlighting": "Words of “{q}” are highlighted.",
        "remove_highlighting": "Remove highlighting",
        "back_to_results": "Back to results for “{q}”",
        "new_search": "New search",
        "error_title": "Error {status}",
        "error_400": "The request is not valid.",
        "error_404": "There is no page at this address.",
        "error_405": "This address does not accept this kind of request.",
        "error_500": "Something went wrong on our side. Please try again later.",
        "error_503": "The search index is not ready yet. Please try again in a few minutes.",
        "error_home": "Go to the search page",
        "doc_not_found": "There is no document with the id “{doc_id}”.",
        "bad_q": "The query is too long: at most {max} characters.",
        "nothing_to_search": 'There is nothing to search in “{q}”: type words, a "phrase" or a filter such as project:wecaps (AND, OR, NOT and - only join words).',
        "browse_newest": "List every passage, newest first",
        "bad_page": "The page number must be a whole number from 1 to {max}.",
        "bad_per_page": "The number of results per page must be a whole number from 1 to {max}.",
        "bad_sort": "Sort by relevance or newest.",
        "bad_lang": "The language filter must be en or fr.",
        "bad_expand": "The expand parameter must be 0 or 1.",
        "unknown_filter": "There is no {facet} “{value}”.",
        "unknown_typed_filter": "There is no {facet} “{value}”: no passage can match it.",
        "known_filters": "Known ones:",
        "filter_name_lang": "language",
        "filter_name_project": "project",
        "filter_name_partner": "partner",
        "filter_name_topic": "topic",
        "filter_name_year": "year",
        "filter_name_after": "date",
        "filter_name_before": "date",
        "feed_link": "Atom feed of the newest passages for this search",
        "feed_title": "Passerelle: newest passages for “{q}”",
        "feed_title_all": "Passerelle: newest passages",
        "opensearch_description": "Search passages of English and French documents in Passerelle",
        "footer": "Documents are shown in their original language; only the interface is translated.",
        "api_link": "JSON API",
        "admin_title": "Add or remove documents – Passerelle",
        "admin_heading": "Add or remove documents",
        "admin_disabled": "The admin page is disabled on this server (no admin token is configured).",
        "admin_token": "Admin token",
        "admin_show_index": "Show the index",
        "admin_wrong_token": "This admin token is not the right one.",
        "admin_too_large": "The file is larger than the limit of {max}.",
        "size_megabytes": "{n} MB",
        "size_bytes": "{n} bytes",
        "admin_upload_heading": "Add a document",
        "admin_file": "File (.txt, .md, .html, .pdf, .docx, .jsonl; at most {max})",
        "admin_doc_title": "Title (optional)",
        "admin_doc_lang": "Language (optional)",
        "admin_lang_detect": "Detect per passage",
        "admin_publisher": "Publisher (optional)",
        "admin_source_url": "Address of the original (optional)",
        "admin_upload_button": "Upload and index",
        "admin_documents_heading": "Indexed documents",
        "admin_no_documents": "Nothing is indexed yet.",
        "admin_path": "File",
        "admin_doc_ids": "Documents",
        "admin_delete": "Delete",
        "admin_replace_field": "Replaces the document (optional: its id; it keeps its id)",
        "admin_replace": "Replace",
        "admin_replace_label": "Replace the file of {doc_id}",
        "admin_replacing": "Choose the new file of {doc_id}, then upload it.",
        "admin_replaced": "Replaced {doc_id} (passages: {passages}).",
        "admin_delete_file": "Delete the file",
        "admin_delete_file_label": "Delete {path} and its {n} documents",
        "admin_delete_record_label": "Delete the record {doc_id}",
        "admin_confirm_delete_file": "Delete {path} and all its documents from the corpus?",
        "admin_confirm_delete_record": "Delete the record {doc_id} from {path}?",
        "admin_deleted_file": "Deleted {path}.",
        "admin_working": "Working…",
        "admin_uploaded": "Indexed {doc_id} (passages: {passages}).",
        "admin_deleted": "Deleted {doc_id}.",
        "admin_confirm_delete": "Delete {doc_id} and its file from the corpus?",
        "admin_queued": "Task {task}: waiting for its turn to be indexed…",
        "admin_tasks_heading": "Recent tasks",
        "admin_no_tasks": "No upload or deletion yet.",
        "admin_task": "Task",
        "admin_task_type": "Action",
        "admin_task_status": "Status",
        "admin_task_outcome": "Outcome",
        "task_upload": "upload",
        "task_replace": "replacement",
        "task_delete": "deletion",
        "task_enqueued": "waiting",
        "task_processing": "being indexed",
        "task_succeeded": "done",
        "task_failed": "failed",
        "task_cancelled": "cancelled",
        "admin_cancel": "Cancel",
    },
    "fr": {
        "tagline": "Recherche bilingue de passages",
        "skip_to_content": "Aller au contenu",
        "skip_to_filters": "Aller aux filtres",
        "highlight_hint": "Les mots trouvés sont surlignés.",
        "ui_switch_label": "Langue de l’interface",
        "title_home": "Passerelle – recherche bilingue de passages",
        "title_results": "« {q} » – Passerelle",
        "title_filtered": "Passages : {filters} – Passerelle",
        "title_page": "page {n}",
        "search_label": "Rechercher des passages en anglais et en français",
        "search_placeholder": 'blanchiment, "sécurité portuaire", langue:en',
        "search_button": "Rechercher",
        "sort_label": "Trier par",
        "sort_relevance": "Pertinence",
        "sort_newest": "Plus récents d’abord",
        "results_heading": "Résultats",
        "count_one": "{n} passage",
        "count_other": "{n} passages",
        "in_documents_one": "dans {n} document",
        "in_documents_other": "dans {n} documents",
        "took": "en {ms} ms",
        "took_under_1": "en moins d’une milliseconde",
        "range": "affichés : {first} à {last}",
        "range_single": "affiché : {first}",
        "range_documents": "documents {first} à {last}",
        "range_documents_single": "document {first}",
        "group_off": "Afficher chaque passage",
        "group_on": "Regrouper par document",
        "sub_results": "Autres passages de ce document",
        "more_in_document_one": "{n} autre passage dans ce document",
        "more_in_document_other": "{n} autres passages dans ce document",
        "no_results": "Aucun passage ne correspond à votre recherche.",
        "no_results_hint": "Vérifiez l’orthographe, utilisez moins de mots ou retirez un filtre.",
        "page_empty": "Cette page est au-delà du dernier résultat.",
        "first_page": "Aller à la première page",
        "did_you_mean": "Vouliez-vous dire",
        "also_searched": "Également cherché :",
        "via_glossary": "glossaire",
        "via_dictionary": "dictionnaire",
        "via_learned": "appris de vos documents",
        "via_cognate": "mot apparenté",
        "via_number": "nombre en lettres",
        "expansion_off": "chercher seulement mes mots",
        "expansion_is_off": "Seuls vos propres mots ont été cherchés.",
        "expansion_on": "Chercher aussi les équivalents dans l’autre langue",
        "relaxed": "Aucun passage ne contient tous vos mots ; voici ceux qui en contiennent une partie.",
        "facets_heading": "Affiner",
        "facet_lang": "Langue",
        "facet_project": "Projet",
        "facet_partner": "Partenaire",
        "facet_topic": "Thème",
        "facet_year": "Année",
        "dates_legend": "Dates",
        "date_from": "Du",
        "date_to": "Au",
        "date_hint": "AAAA, AAAA-MM ou AAAA-MM-JJ",
        "date_apply": "Appliquer les dates",
        "facet_more": "{n} de plus",
        "lang_en": "Anglais",
        "lang_fr": "Français",
        "passage_in_en": "Passage en anglais",
        "passage_in_fr": "Passage en français",
        "version_en": "English version ›",
        "version_fr": "Version française ›",
        "parallel_show": "Afficher les deux versions côte à côte",
        "parallel_hide": "Afficher cette version seule",
        "parallel_counterpart": "Passage correspondant de la traduction",
        "active_filters": "Filtres actifs",
        "remove_filter": "Retirer le filtre : {label}",
        "clear_filters": "Retirer tous les filtres",
        "add_filter": "Afficher seulement les passages étiquetés {label}",
        "tags_label": "Étiquettes",
        "pagination": "Pages de résultats",
        "previous": "Précédente",
        "next": "Suivante",
        "page_n": "Page {n}",
        "syntax_heading": "Comment chercher",
        "syntax_intro": "Tapez des mots en français ou en anglais ; tous les passages de tous les documents "
        "sont cherchés, dans les deux langues.",
        "syntax_words": "les passages qui contiennent ces mots (sous toutes leurs formes), d’abord ceux qui les "
        "contiennent tous, rapprochés",
        "syntax_and": "seulement les passages qui contiennent les deux mots",
        "syntax_phrase": "ces mots ensemble, dans cet ordre",
        "syntax_or": "l’un ou l’autre mot",
        "syntax_not": "écarter les passages qui contiennent ce mot (ou -drogue)",
        "syntax_group": "l’un des mots entre parenthèses est exigé, les autres classent les passages",
        "syntax_lang": "seulement les passages en anglais (langue:fr pour le français)",
        "syntax_project": "seulement les passages sur un projet",
        "syntax_partner": "seulement les passages qui citent un partenaire",
        "syntax_topic": "seulement les passages sur un thème",
        "doc_language": "Langue",
        "doc_publisher": "Éditeur",
        "doc_source": "Source",
        "doc_open_source": "Page d’origine",
        "doc_updated": "Mis à jour",
        "doc_date": "Date",
        "file_date": "(date du fichier)",
        "page_number": "p. {n}",
        "doc_original": "Fichier original",
        "doc_open_original": "Ouvrir le fichier original",
        "passage_in_original": "Ouvrir l’original à la page {n}",
        "original_not_found": "Le fichier original de « {doc_id} » n’est pas disponible.",
        "doc_tags": "Étiquettes",
        "doc_contents": "Sommaire",
        "passage_permalink": "Lien vers ce passage",
        "passage_copy_hint": "Copier le lien vers ce passage",
        "passage_copied": "Lien copié",
        "passage_in_source": "Voir dans la page d’origine",
        "passage_missing": "Le passage recherché ne figure plus dans ce document (il a peut-être été modifié). "
        "Voici le document complet.",
        "highlighting": "Les mots de « {q} » sont surlignés.",
        "remove_highlighting": "Retirer le surlignage",
        "back_to_results": "Retour aux résultats pour « {q} »",
        "new_search": "Nouvelle recherche",
        "error_title": "Erreur {status}",
        "error_400": "La requête n’est pas valide.",
        "error_404": "Il n’y a pas de page à cette adresse.",
        "error_405": "Cette adresse n’accepte pas ce type de requête.",
        "error_500": "Une erreur s’est produite de notre côté. Veuillez réessayer plus tard.",
        "error_503": "L’index de recherche n’est pas encore prêt. Veuillez réessayer dans quelques minutes.",
        "error_home": "Aller à la page de recherche",
        "doc_not_found": "Il n’y a pas de document dont l’identifiant est « {doc_id} ».",
        "bad_q": "La requête est trop longue : {max} caractères au plus.",
        "nothing_to_search": "Il n’y a rien à chercher dans « {q} » : tapez des mots, une « expression » ou un filtre comme projet:wecaps (ET, OU, SAUF et - ne font que relier des mots).",
        "browse_newest": "Lister tous les passages, les plus récents d’abord",
        "bad_page": "Le numéro de page doit être un nombre entier de 1 à {max}.",
        "bad_per_page": "Le nombre de résultats par page doit être un nombre entier de 1 à {max}.",
        "bad_sort": "Triez par pertinence ou par date.",
        "bad_lang": "Le filtre de langue doit valoir en ou fr.",
        "bad_expand": "Le paramètre expand doit valoir 0 ou 1.",
        "unknown_filter": "Il n’y a pas de {facet} « {value} ».",
        "unknown_typed_filter": "Il n’y a pas de {facet} « {value} » : aucun passage ne peut y répondre.",
        "known_filters": "Ceux qui existent :",
        "filter_name_lang": "langue",
        "filter_name_project": "projet",
        "filter_name_partner": "partenaire",
        "filter_name_topic": "thème",
        "filter_name_year": "année",
        "filter_name_after": "date",
        "filter_name_before": "date",
        "feed_link": "Flux Atom des passages les plus récents pour cette recherche",
        "feed_title": "Passerelle : passages les plus récents pour « {q} »",
        "feed_title_all": "Passerelle : passages les plus récents",
        "opensearch_description": "Rechercher des passages de documents anglais et français dans Passerelle",
        "footer": "Les documents sont affichés dans leur langue d’origine ; seule l’interface est traduite.",
        "api_link": "API JSON",
        "admin_title": "Ajouter ou retirer des documents – Passerelle",
        "admin_heading": "Ajouter ou retirer des documents",
        "admin_disabled": "La page d’administration est désactivée sur ce serveur (aucun jeton d’administration n’est configuré).",
        "admin_token": "Jeton d’administration",
        "admin_show_index": "Afficher l’index",
        "admin_wrong_token": "Ce jeton d’administration n’est pas le bon.",
        "admin_too_large": "Le fichier dépasse la limite de {max}.",
        "size_megabytes": "{n} Mo",
        "size_bytes": "{n} octets",
        "admin_upload_heading": "Ajouter un document",
        "admin_file": "Fichier (.txt, .md, .html, .pdf, .docx, .jsonl ; {max} au plus)",
        "admin_doc_title": "Titre (facultatif)",
        "admin_doc_lang": "Langue (facultatif)",
        "admin_lang_detect": "Détecter pour chaque passage",
        "admin_publisher": "Éditeur (facultatif)",
        "admin_source_url": "Adresse de l’original (facultatif)",
        "admin_upload_button": "Envoyer et indexer",
        "admin_documents_heading": "Documents indexés",
        "admin_no_documents": "Rien n’est encore indexé.",
        "admin_path": "Fichier",
        "admin_doc_ids": "Documents",
        "admin_delete": "Supprimer",
        "admin_replace_field": "Remplace le document (facultatif : son identifiant ; il le garde)",
        "admin_replace": "Remplacer",
        "admin_replace_label": "Remplacer le fichier de {doc_id}",
        "admin_replacing": "Choisissez le nouveau fichier de {doc_id}, puis envoyez-le.",
        "admin_replaced": "{doc_id} remplacé (passages : {passages}).",
        "admin_delete_file": "Supprimer le fichier",
        "admin_delete_file_label": "Supprimer {path} et ses {n} documents",
        "admin_delete_record_label": "Supprimer l’enregistrement {doc_id}",
        "admin_confirm_delete_file": "Supprimer {path} et tous ses documents du corpus ?",
        "admin_confirm_delete_record": "Supprimer l’enregistrement {doc_id} de {path} ?",
        "admin_deleted_file": "{path} supprimé.",
        "admin_working": "En cours…",
        "admin_uploaded": "{doc_id} indexé (passages : {passages}).",
        "admin_deleted": "{doc_id} supprimé.",
        "admin_confirm_delete": "Supprimer {doc_id} et son fichier du corpus ?",
        "admin_queued": "Tâche {task} : en attente de son tour d’indexation…",
        "admin_tasks_heading": "Tâches récentes",
        "admin_no_tasks": "Aucun envoi ni suppression pour l’instant.",
        "admin_task": "Tâche",
        "admin_task_type": "Action",
        "admin_task_status": "État",
        "admin_task_outcome": "Résultat",
        "task_upload": "envoi",
        "task_replace": "remplacement",
        "task_delete": "suppression",
        "task_enqueued": "en attente",
        "task_processing": "en cours d’indexation",
        "task_succeeded": "terminée",
        "task_failed": "échouée",
        "task_cancelled": "annulée",
        "admin_cancel": "Annuler",
    },
}


# The admin API's messages (the indexer's reasons for refusing a file, a bad field) are English, as
# an API's are; the /admin page shows them through this table, longest first. (English, French.)
API_MESSAGES = {
    "en": (),
    "fr": (
        ("not a PDF (no %PDF header): a file of another kind named .pdf",
         "ce n’est pas un PDF (pas d’en-tête %PDF) : un fichier d’un autre type nommé .pdf"),
        ("internal error while applying the task: the problem was logged",
         "erreur interne pendant la tâche : le problème a été consigné"),
        ("file: send the document in a multipart form field named 'file'",
         "file : envoyez le document dans un champ de formulaire nommé « file »"),
        ("no text content (only capture noise)", "aucun texte (seulement des restes de mise en page)"),
        ("no extractable text (scanned PDF?)", "aucun texte extractible (PDF numérisé ?)"),
        ("must be an http or https address", "doit être une adresse http ou https"),
        ("binary file, not text", "fichier binaire, pas du texte"),
        ("unsupported file type", "type de fichier non pris en charge"),
        ("malformed sidecar", "fichier de métadonnées mal formé"),
        ("no document in it", "aucun document"),
        ("must be en or fr", "doit valoir en ou fr"),
        ("no valid record", "aucun enregistrement valide"),
        ("encrypted PDF", "PDF chiffré"),
        ("corrupt DOCX", "DOCX endommagé"),
        ("corrupt PDF", "PDF endommagé"),
        ("empty file", "fichier vide"),
        ("too large", "trop volumineux"),
    ),
}  # fmt: skip


MONTHS = {
    "en": "January February March April May June July August September October November December".split(),
    "fr": "janvier février mars avril mai juin juillet août septembre octobre novembre décembre".split(),
}


def date_text(date: str, source: str = "") -> str:
    """A document date as the interface language writes it ("4 May 2023", "1er mai 2023", "May 2023",
    "2023"), followed by "(file date)" when only the file's modification time gave it."""
    if not date:
        return ""
    locale = current_locale()
    year, _, rest = date.partition("-")
    month, _, day = rest.partition("-")
    words = [year]
    if month:
        words.insert(0, MONTHS[locale][int(month) - 1])
    if day:
        words.insert(0, "1er" if locale == "fr" and int(day) == 1 else str(int(day)))
    text = " ".join(words)
    return f"{text} {translate('file_date')}" if source == "file" else text


def api_messages() -> tuple[tuple[str, str], ...]:
    """(English, interface language) pairs for the admin API's messages."""
    return API_MESSAGES[current_locale()]


def init_app(app: Flask) -> None:
    """Choose the interface language before each request, remember an explicit choice after it."""
    app.before_request(_set_locale)
    app.after_request(_remember_locale)
    app.context_processor(_template_globals)


def choose_locale(req) -> str:
    """The interface language for ``req``: ``?ui=``, then the cookie, then ``Accept-Language``."""
    for value in (req.args.get(UI_PARAM), req.cookies.get(UI_COOKIE)):
        if value in LOCALES:
            return value
    default = current_app.config.get("UI_DEFAULT_LOCALE", LOCALES[0])
    return req.accept_languages.best_match(LOCALES, default=default)


def current_locale() -> str:
    """The interface language of the current request (chosen lazily, so error pages have one too)."""
    if "ui" not in g:
        g.ui = choose_locale(request)
    return g.ui


def explicit_locale() -> str | None:
    """The ``?ui=`` of the current URL when valid: links carry it so shared URLs keep the language."""
    value = request.args.get(UI_PARAM)
    return value if value in LOCALES else None


def translate(key: str, **values) -> str:
    """The interface string ``key`` in the current language, with ``values`` filled in."""
    return STRINGS[current_locale()][key].format(**values)


def translate_count(key: str, n: int, **values) -> str:
    """A count with its noun in the right number (French treats 0 and 1 as singular)."""
    singular = n < 2 if current_locale() == "fr" else n == 1
    return translate(f"{key}_{'one' if singular else 'other'}", n=n, **values)


def switch_url(locale: str) -> str:
    """The current page in interface language ``locale`` (the choice is then kept in a cookie)."""
    args = [(name, value) for name, value in request.args.items(multi=True) if name != UI_PARAM]
    args.append((UI_PARAM, locale))
    return f"{request.script_root}{quote(request.path, safe='/')}?{urlencode(args)}"


def _template_globals() -> dict:
    return {
        "t": translate,
        "tn": translate_count,
        "date_text": date_text,
        "ui": current_locale(),
        "ui_url": switch_url,
        "locales": LOCALE_NAMES,
    }


def _set_locale() -> None:
    g.ui = choose_locale(request)


def _remember_locale(response):
    chosen = explicit_locale()
    if chosen and request.cookies.get(UI_COOKIE) != chosen:
        response.set_cookie(UI_COOKIE, chosen, max_age=COOKIE_MAX_AGE, samesite="Lax", httponly=True)
    # Caches must not serve one language's page to a reader of the other.
    response.vary.update(("Accept-Language", "Cookie"))
    if response.mimetype == "text/html":
        response.content_language = current_locale()
    return response
