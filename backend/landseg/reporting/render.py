"""Markdown and self-contained HTML renderings of an assembled report."""

from __future__ import annotations

import base64
import html
from collections.abc import Callable, Mapping, Sequence

from landseg.reporting.blocks import (
    NOTE_TITLES,
    Block,
    Bullets,
    Cell,
    Figure,
    Heading,
    Note,
    Paragraph,
    Report,
    Table,
)
from landseg.reporting.formatting import joined
from landseg.reporting.texts import check_languages, text


def _cell(cell: Cell, language: str) -> str:
    return cell[language] if isinstance(cell, dict) else str(cell)


def _md_cell(cell: Cell, language: str) -> str:
    return _cell(cell, language).replace("|", "\\|").replace("\n", " ")


def _md_table(table: Table, language: str) -> list[str]:
    headers = [_md_cell(h, language) for h in table.headers]
    lines = ["| " + " | ".join(headers) + " |", "|" + "|".join("---" for _ in headers) + "|"]
    lines += ["| " + " | ".join(_md_cell(c, language) for c in row) + " |" for row in table.rows]
    if table.caption is not None:
        lines = [f"*{table.caption[language]}*", "", *lines]
    return lines


def markdown_blocks(
    blocks: Sequence[Block], languages: Sequence[str], figure_links: Mapping[str, str]
) -> list[str]:
    """Markdown lines of blocks; ``figure_links`` maps figure names to image paths."""
    label = {lang: text(f"language_{lang}")[lang] for lang in languages}
    multi = len(languages) > 1
    lines: list[str] = []

    def per_language(render: Callable[[str], list[str]]) -> None:
        for lang in languages:
            if multi:
                lines.extend([f"**{label[lang]}:**", ""])
            lines.extend(render(lang))
            lines.append("")

    for block in blocks:
        if isinstance(block, Heading):
            lines.extend([f"### {joined(block.text, languages)}", ""])
        elif isinstance(block, Table):
            per_language(lambda lang, b=block: _md_table(b, lang))
        elif isinstance(block, Paragraph):
            per_language(lambda lang, b=block: [b.text[lang]])
        elif isinstance(block, Bullets):
            per_language(lambda lang, b=block: [f"- {item[lang]}" for item in b.items])
        elif isinstance(block, Note):
            title = text(NOTE_TITLES[block.kind])
            for lang in languages:
                lines.extend([f"> **{title[lang]}:** {block.text[lang]}", ">"])
            lines[-1] = ""
        elif isinstance(block, Figure):
            caption = joined(block.caption, languages)
            link = figure_links.get(block.name)
            if link:
                lines.extend([f"![{caption}]({link})", ""])
            lines.extend([f"*{caption}*", ""])
    return lines


def render_markdown(
    report: Report, languages: Sequence[str], *, figure_links: Mapping[str, str] | None = None
) -> str:
    """The report as Markdown; ``figure_links`` maps figure names to image paths."""
    languages = check_languages(languages)
    lines = [f"# {joined(report.title, languages)}", "", f"**{report.subtitle}**", ""]
    if report.overview is not None:
        lines += markdown_blocks([report.overview], languages, {})
    if report.missing:
        lines.extend([f"> **{joined(text('missing_title'), languages)}**", ">"])
        lines.extend(f"> - {note[lang]}" for lang in languages for note in report.missing)
        lines.append("")
    lines.extend(["---", ""])
    for section in report.sections:
        lines.extend([f"## {section.heading(languages)}", ""])
        lines += markdown_blocks(section.blocks, languages, figure_links or {})
        lines.extend(["---", ""])
    lines.append(f"*{joined(report.footer, languages)}*")
    return "\n".join(lines) + "\n"


_CSS = """
:root { --ink: #1d2330; --muted: #5b6475; --rule: #d8dde6; --band: #f4f6fa; --accent: #2457a6; }
* { box-sizing: border-box; }
body { font-family: "Noto Sans CJK JP", "Noto Sans JP", "Hiragino Sans", "Yu Gothic", Meiryo,
  "DejaVu Sans", sans-serif; color: var(--ink); margin: 0; padding: 24px 32px 48px;
  line-height: 1.5; font-size: 14px; background: #fff; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 12px; padding-bottom: 4px;
  border-bottom: 2px solid var(--accent); }
h3 { font-size: 16px; margin: 22px 0 8px; color: var(--accent); }
.subtitle { color: var(--muted); margin: 0 0 16px; }
.pair { display: grid; grid-template-columns: repeat(auto-fit, minmax(min(100%, 440px), 1fr));
  gap: 12px 28px; margin: 8px 0 14px; }
.pair.wide { grid-template-columns: 1fr; }
.lang-label { font-size: 11px; font-weight: 700; color: var(--muted); text-transform: uppercase;
  letter-spacing: .04em; margin-bottom: 2px; }
.scroll { overflow-x: auto; }
table { border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th, td { border: 1px solid var(--rule); padding: 4px 8px; vertical-align: top; }
th { background: var(--band); text-align: left; font-weight: 600; }
td.num { text-align: right; white-space: nowrap; }
tr:nth-child(even) td { background: #fafbfd; }
.caption { color: var(--muted); font-size: 12px; margin: 0 0 4px; }
.note { border-left: 4px solid #d08a00; background: #fff7e6; padding: 8px 12px; margin: 8px 0; }
.note.info { border-color: var(--accent); background: #eef3fb; }
.note b { margin-right: 4px; }
figure { margin: 12px 0 18px; }
figure img { max-width: 100%; height: auto; border: 1px solid var(--rule); }
figcaption { color: var(--muted); font-size: 12px; }
ul { margin: 4px 0; padding-left: 20px; }
footer { margin-top: 40px; color: var(--muted); font-size: 12px; }
"""


def _is_number(cell: str) -> bool:
    stripped = cell.replace("pp", "").replace("%", "").replace(",", "").replace("—", "").strip()
    stripped = stripped.split(" (")[0].lstrip("+-≥<→ ")
    try:
        float(stripped)
    except ValueError:
        return False
    return True


def _html_table(table: Table, language: str) -> str:
    esc = html.escape
    parts = []
    if table.caption is not None:
        parts.append(f'<p class="caption">{esc(table.caption[language])}</p>')
    parts.append(f'<div class="scroll"><table data-table="{esc(table.key)}">')
    parts.append(
        "<thead><tr>"
        + "".join(f"<th>{esc(_cell(h, language))}</th>" for h in table.headers)
        + "</tr></thead><tbody>"
    )
    for row in table.rows:
        cells = []
        for cell in row:
            value = _cell(cell, language)
            kind = ' class="num"' if not isinstance(cell, dict) and _is_number(value) else ""
            cells.append(f"<td{kind}>{esc(value)}</td>")
        parts.append("<tr>" + "".join(cells) + "</tr>")
    parts.append("</tbody></table></div>")
    return "".join(parts)


def _pair(render: Callable[[str], str], languages: Sequence[str], *, wide: bool = False) -> str:
    """The same content in each language, side by side, labelled when there are several."""
    esc = html.escape
    multi = len(languages) > 1
    columns = []
    for lang in languages:
        heading = (
            f'<div class="lang-label">{esc(text(f"language_{lang}")[lang])}</div>' if multi else ""
        )
        columns.append(f'<div lang="{lang}">{heading}{render(lang)}</div>')
    return f'<div class="pair{" wide" if wide else ""}">{"".join(columns)}</div>'


def _html_block(block: Block, languages: Sequence[str]) -> str:
    esc = html.escape
    if isinstance(block, Heading):
        return f"<h3>{esc(joined(block.text, languages))}</h3>"
    if isinstance(block, Table):
        return _pair(lambda lang: _html_table(block, lang), languages, wide=len(block.headers) > 5)
    if isinstance(block, Paragraph):
        return _pair(lambda lang: f"<p>{esc(block.text[lang])}</p>", languages)
    if isinstance(block, Bullets):
        return _pair(
            lambda lang: (
                "<ul>" + "".join(f"<li>{esc(item[lang])}</li>" for item in block.items) + "</ul>"
            ),
            languages,
        )
    if isinstance(block, Note):
        title = text(NOTE_TITLES[block.kind])
        css = "note" if block.kind == "missing" else "note info"
        return _pair(
            lambda lang: (
                f'<div class="{css}"><b>{esc(title[lang])}:</b>{esc(block.text[lang])}</div>'
            ),
            languages,
        )
    data = base64.b64encode(block.png).decode("ascii")
    return (
        f'<figure><img alt="{esc(joined(block.caption, languages))}" '
        f'src="data:image/png;base64,{data}">'
        f"<figcaption>{esc(joined(block.caption, languages))}</figcaption></figure>"
    )


def render_html(report: Report, languages: Sequence[str]) -> str:
    """The report as one self-contained HTML page (no external resources).

    Args:
        report: The assembled report.
        languages: Languages in display order; each block shows them side by side.
    """
    languages = check_languages(languages)
    esc = html.escape
    body = [
        f"<h1>{esc(joined(report.title, languages))}</h1>",
        f'<p class="subtitle">{esc(report.subtitle)}</p>',
    ]
    if report.overview is not None:
        body.append(_pair(lambda lang: _html_table(report.overview, lang), languages))
    if report.missing:
        body.append(
            _pair(
                lambda lang: (
                    '<div class="note"><b>'
                    + esc(text("missing_title")[lang])
                    + "</b><ul>"
                    + "".join(f"<li>{esc(n[lang])}</li>" for n in report.missing)
                    + "</ul></div>"
                ),
                languages,
            )
        )
    for section in report.sections:
        body.append(f'<section id="{section.key}">')
        body.append(f"<h2>{esc(section.heading(languages))}</h2>")
        body.extend(_html_block(block, languages) for block in section.blocks)
        body.append("</section>")
    body.append(f"<footer>{esc(joined(report.footer, languages))}</footer>")
    html_lang = languages[0]
    return (
        f'<!DOCTYPE html>\n<html lang="{html_lang}">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(joined(report.title, languages))} — {esc(report.subtitle)}</title>\n"
        f"<style>{_CSS}</style>\n</head>\n<body>\n" + "\n".join(body) + "\n</body>\n</html>\n"
    )
