"""Citation metadata: CITATION.cff is valid CFF 1.2.0, the version is the same everywhere, every
bibliography entry can be found (DOI, arXiv id or, for web pages and data sets, a URL), and every
citation key used in the book resolves."""

from __future__ import annotations

import json
import re
import tomllib

import jsonschema
import pytest
import yaml
from pybtex.database import parse_file

from analysis.paths import ROOT

SCHEMA = ROOT / "tests" / "data" / "cff-1.2.0.schema.json"
PAPER_TYPES = {"article", "inproceedings", "incollection", "book", "phdthesis", "techreport"}
# Papers that have neither a DOI nor an arXiv version (checked): they must carry a URL instead.
NO_DOI_NO_ARXIV = {
    "op_rahimi2007random": "NIPS 2007 proceedings paper: the proceedings carry no DOI and there is no arXiv version",
}


def _cff() -> dict:
    # CFF dates are strings in the schema: load without YAML's date conversion.
    text = (ROOT / "CITATION.cff").read_text(encoding="utf-8")
    return yaml.load(text, Loader=yaml.BaseLoader)


def _bib_files() -> list:
    config = yaml.safe_load((ROOT / "_config.yml").read_text(encoding="utf-8"))
    return [ROOT / f for f in config["bibtex_bibfiles"]]


def _entries() -> dict:
    out = {}
    for path in _bib_files():
        for key, entry in parse_file(str(path)).entries.items():
            assert key not in out, f"{path.name}: citation key {key} is defined twice"
            out[key] = (path, entry)
    return out


def test_citation_cff_is_valid_cff_1_2_0():
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    cff = _cff()
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    errors = sorted(validator.iter_errors(cff), key=lambda e: list(e.path))
    assert not errors, "CITATION.cff: " + "; ".join(f"{list(e.path)}: {e.message}" for e in errors)


def test_the_schema_rejects_a_broken_cff():
    # The check is real: a CFF without authors and with a bad type fails it.
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    broken = dict(_cff(), type="report")
    broken.pop("authors")
    assert list(jsonschema.Draft7Validator(schema).iter_errors(broken))


def test_version_and_date_agree_everywhere():
    version = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
    cff = _cff()
    zenodo = json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))
    assert cff["version"] == version
    assert cff["preferred-citation"]["version"] == version
    assert zenodo["version"] == version
    assert cff["date-released"] == cff["preferred-citation"]["date-released"] == zenodo["publication_date"]
    assert cff["title"] == zenodo["title"] == cff["preferred-citation"]["title"]


def test_zenodo_metadata_has_what_zenodo_requires():
    zenodo = json.loads((ROOT / ".zenodo.json").read_text(encoding="utf-8"))
    for field in ("title", "upload_type", "description", "creators", "license", "version"):
        assert zenodo.get(field), f".zenodo.json: {field} is missing"
    assert all(c.get("name") for c in zenodo["creators"])


def test_every_bibliography_entry_can_be_found():
    missing = []
    for key, (path, entry) in _entries().items():
        f = {k.lower(): v for k, v in entry.fields.items()}
        has_id = bool(f.get("doi")) or (bool(f.get("eprint")) and f.get("archiveprefix", "").lower() == "arxiv")
        if entry.type.lower() in PAPER_TYPES and not has_id and key not in NO_DOI_NO_ARXIV:
            missing.append(f"{path.name}: {key} ({entry.type}) has neither a DOI nor an arXiv id")
        elif not has_id and not f.get("url"):
            missing.append(f"{path.name}: {key} ({entry.type}) has no DOI, no arXiv id and no URL")
        if f.get("doi"):
            assert re.fullmatch(r"10\.\d{4,9}/\S+", f["doi"]), f"{path.name}: {key}: malformed DOI {f['doi']}"
        if f.get("eprint") and f.get("archiveprefix", "").lower() == "arxiv":
            assert re.fullmatch(r"\d{4}\.\d{4,5}(v\d+)?", f["eprint"]), f"{path.name}: {key}: malformed arXiv id"
    assert not missing, "\n".join(missing)
    for key in NO_DOI_NO_ARXIV:
        assert _entries()[key][1].fields.get("url"), f"{key}: an entry without DOI or arXiv id needs a URL"


def test_every_cited_key_is_in_the_bibliography():
    keys = set(_entries())
    cited = {}
    pattern = re.compile(r"\{cite(?::[a-z]+)?\}`([^`]+)`")
    sources = list((ROOT / "notebooks").glob("*.md")) + list((ROOT / "book").glob("*.md"))
    for path in sources:
        for m in pattern.finditer(path.read_text(encoding="utf-8")):
            for key in m.group(1).split(","):
                cited.setdefault(key.strip(), path.name)
    assert cited, "no citations found: the pattern is wrong"
    unknown = {k: v for k, v in cited.items() if k not in keys}
    assert not unknown, f"citation keys not in any .bib file: {unknown}"


@pytest.mark.parametrize("name", ["cite"])
def test_cite_page_is_in_the_table_of_contents(name):
    toc = (ROOT / "_toc.yml").read_text(encoding="utf-8")
    assert f"file: book/{name}" in toc
