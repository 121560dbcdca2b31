"""Canonical URLs and project ids: one spelling per resource, stable across crawls."""

import pytest

from registry.urls import canonical_url, classify, github_repo, looks_like_url, project_id


@pytest.mark.parametrize("url, expected", [
    ("https://github.com/AmboVent/AmboVent", "https://github.com/ambovent/ambovent"),
    ("http://github.com/CSSALTlab/Open_Source_Ventilator.git", "https://github.com/cssaltlab/open_source_ventilator"),
    ("https://www.github.com/jcl5m1/ventilator/wiki/Notes", "https://github.com/jcl5m1/ventilator"),
    ("https://github.com/PubInv/ventmon/tree/master/docs/", "https://github.com/pubinv/ventmon"),
    ("https://gitlab.com/PerAsperaAdAstra/lcaev/-/wikis/Design%20Log", "https://gitlab.com/perasperaadastra/lcaev"),
    ("https://www.ventilaid.org/", "https://ventilaid.org"),
    ("HTTP://Example.COM:80/a/b/?utm_source=x&id=3#frag", "https://example.com/a/b?id=3"),
    ("industryvsvirus.de", "https://industryvsvirus.de"),
    ("https://www.youtube.com/watch?v=pFnB-vOWQmU", "https://youtube.com/watch?v=pFnB-vOWQmU"),
    ("ftp://example.com/file", None),
    ("javascript:alert(1)", None),
])
def test_canonical_url(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url, kind", [
    ("https://github.com/a/b", "github-repo"),
    ("https://github.com/a", "web"),
    ("https://github.com/topics/ventilator", "web"),
    ("https://gitlab.com/group/project", "gitlab-repo"),
    ("https://gitlab.com/coronavirusmakers", "web"),
    ("https://hackaday.io/project/170622-visp", "hub"),
    ("https://certification.oshwa.org/us000001.html", "hub"),
    ("https://www.appropedia.org/Open_source_ventilator", "hub"),
    ("https://www.thingiverse.com/thing:1", "hub"),
    ("https://example.org/", "web"),
    ("mailto:x@example.org", "invalid"),
])
def test_classify(url, kind):
    assert classify(url) == kind


def test_project_id_is_canonical_without_scheme():
    assert project_id("http://github.com/AmboVent/AmboVent/") == "github.com/ambovent/ambovent"
    assert project_id("https://www.Example.org/Design/") == "example.org/Design"


def test_github_repo_keeps_case_and_refuses_non_repos():
    assert github_repo("https://github.com/Julhh/Zephyr.git") == ("Julhh", "Zephyr")
    assert github_repo("https://github.com/orgs/foo") is None
    assert github_repo("https://example.com/a/b") is None


@pytest.mark.parametrize("text, ok", [
    ("https://a.org", True), ("www.a.org/x", True), ("a.org", True), ("#projects", False),
    ("docs/README.md", False), ("./x", False), ("mailto:a@b.org", False), ("necsi-edu.slack.com", True),
])
def test_looks_like_url(text, ok):
    assert looks_like_url(text) is ok


@pytest.mark.parametrize("url, expected", [
    # parameters that name the page stay
    ("http://www.gaudi.ch/GaudiLabs/?page_id=19", "https://gaudi.ch/GaudiLabs?page_id=19"),
    ("https://example.org/item.php?id=42&utm_campaign=x", "https://example.org/item.php?id=42"),
    ("https://www.youtube.com/watch?v=pvrUQCMa3a8&feature=youtu.be", "https://youtube.com/watch?v=pvrUQCMa3a8"),
    ("https://digitalcommons.usu.edu/cgi/viewcontent.cgi?referer=https://www.google.com/&httpsredir=1&article=1016"
     "&context=spacegrant&fbclid=IwAR1", "https://digitalcommons.usu.edu/cgi/viewcontent.cgi?article=1016&context=spacegrant"),
    # tracking ones go
    ("https://docs.google.com/document/d/1abc/edit?usp=sharing", "https://docs.google.com/document/d/1abc/edit"),
    ("https://open.spotify.com/episode/46Ww?si=_qxP", "https://open.spotify.com/episode/46Ww"),
    ("https://shop.example.com/p/9?ref=awesome-list&gclid=1&msclkid=2", "https://shop.example.com/p/9"),
    # a query a list glued to its script without the "?" gets it back (as the PubInv list wrote one)
    ("https://digitalcommons.usu.edu/cgi/viewcontent.cgireferer=https://www.google.com/&httpsredir=1&article=1016"
     "&context=spacegrant&fbclid=IwAR1", "https://digitalcommons.usu.edu/cgi/viewcontent.cgi?article=1016&context=spacegrant"),
    # a path that merely holds '=' and '&' is left alone
    ("https://x.org/wiki/a=b&c", "https://x.org/wiki/a=b&c"),
])
def test_page_parameters_stay_and_tracking_ones_go(url, expected):
    assert canonical_url(url) == expected


@pytest.mark.parametrize("url", [
    "https://github.com/AmboVent/AmboVent", "https://www.ventilaid.org/", "https://openflexure.org",
    "https://hackaday.io/project/170622-visp-ventilator-inline-sensor-package", "https://reprap.org/wiki/RepRap",
    "https://www.instructables.com/id/The-Pandemic-Ventilator/", "https://example.com/a/b.html",
])
def test_ids_of_urls_without_parameters_do_not_change(url):
    # the rule before issue 20: https, lower-case host without www., no trailing slash (repositories reduced)
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    host = parts.hostname.removeprefix("www.")
    old = f"https://{host}{parts.path.rstrip('/')}"
    if host == "github.com":
        old = old.lower()
    assert canonical_url(url) == old
