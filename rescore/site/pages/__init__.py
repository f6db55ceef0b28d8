"""The site's pages: one module per page, named after the page and the mart it shows.

`build_pages` lists them in navigation order; `nav` turns them into mkdocs' `nav`.
"""

from __future__ import annotations

from typing import Any

from rescore.site.page import Context, Page
from rescore.site.pages.acceleration import acceleration
from rescore.site.pages.changelog import changelog
from rescore.site.pages.compare import compare_index, compare_page
from rescore.site.pages.configs import config_index
from rescore.site.pages.critical_issues import critical_issues
from rescore.site.pages.data_quality import data_quality
from rescore.site.pages.downloads import downloads
from rescore.site.pages.drift import drift
from rescore.site.pages.findings import findings
from rescore.site.pages.leaderboard import category_page
from rescore.site.pages.methodology import methodology
from rescore.site.pages.models_to_avoid import models_to_avoid
from rescore.site.pages.overview import overview
from rescore.site.pages.questions import questions_index
from rescore.site.pages.suite_observations import suite_observations
from rescore.site.pages.top_performers import top_performers
from rescore.site.render import skeleton_pages
from rescore.site.toolkit import esc


def build_pages(ctx: Context) -> list[Page]:
    """All pages of one site version, navigation pages first."""
    pages = [overview(ctx)]
    pages += [p for c in ctx.data.categories for p in category_page(ctx, c)]
    pages += [
        top_performers(ctx),
        *findings(ctx),
        *models_to_avoid(ctx),
        drift(ctx),
        *critical_issues(ctx),
        suite_observations(ctx),
        *acceleration(ctx),
        changelog(ctx),
        methodology(ctx),
        data_quality(ctx),
        downloads(ctx),
        *config_index(ctx),
        questions_index(ctx),
        compare_page(ctx),
    ]
    # config and question pages are streamed (rescore.site.stream): mkdocs renders their
    # skeletons only (rescore.site.render)
    pages += skeleton_pages()
    for page in pages:
        finish(ctx, page)
    return pages


def finish(ctx: Context, page: Page) -> Page:
    """What every page gets at the end: the audit banner, when the scoring run is doubtful."""
    banner = audit_banner(ctx)
    if banner:
        page.markdown = _after_title(page.markdown, page.block(banner))
    return page


def audit_banner(ctx: Context) -> str | None:
    """A warning for every page when `marts.scoring_run_audit` doubts this scoring run."""
    for row in ctx.data.rows("scoring_run_audit"):
        verdict = row.get("verdict")
        if verdict and verdict != "ok":
            return (
                '<div class="admonition warning rescore-audit"><p class="admonition-title">'
                f"Scores of this scoring run are doubtful: {esc(verdict)}</p>"
                f"<p>{esc(row.get('reason'))} See Methodology.</p></div>"
            )
    return None


def _after_title(markdown: str, marker: str) -> str:
    """Put `marker` after the page's first heading line (or first, when there is none)."""
    head, sep, rest = markdown.partition("\n")
    if head.startswith("# "):
        return head + sep + marker + rest
    return marker + markdown


__all__ = ["build_pages", "compare_index", "finish", "nav"]


def nav(pages: list[Page]) -> list[Any]:
    """mkdocs `nav` for the pages that belong in it (config pages stay out: see STYLE.md)."""
    items: list[Any] = []
    leaderboards: list[Any] = []
    for page in pages:
        if not page.in_nav:
            continue
        if page.src_uri.startswith("categories/"):
            leaderboards.append({page.title: page.src_uri})
            if len(leaderboards) == 1:
                items.append({"Leaderboards": leaderboards})
        else:
            items.append({page.title: page.src_uri})
    return items
