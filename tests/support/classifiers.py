"""The classifier built once a test process for each set of files it is built from.

`build_classifier` reads the themes file, the theme model it names and the bundled gazetteer,
and compiles them: a tenth of a second or more, which every in-process command (`open_app`)
pays again, hundreds of times in a run. The wrapper builds anew whenever the bytes of any of
the three files differ from those of an earlier build (a file it cannot read, or a themes file
the build refuses, is never remembered: the build runs and fails each time). The classifier
holds no state a call changes, so sharing one is what the service does with its own."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from monitor import app as app_module
from monitor.classify.stage import AuthorityClassifier
from monitor.config import Settings

Build = Callable[..., AuthorityClassifier]
Key = tuple[str, bytes, bool]
Files = tuple[tuple[Path, bytes], ...]


def caching(build: Build) -> tuple[Build, dict[Key, tuple[AuthorityClassifier, Files]]]:
    built: dict[Key, tuple[AuthorityClassifier, Files]] = {}

    def cached(settings: Settings, *, with_model: bool = True) -> AuthorityClassifier:
        path = app_module.themes_path(settings)
        try:
            key = (str(path.resolve()), path.read_bytes(), with_model)
            if key in built:
                classifier, files = built[key]
                if all(file.read_bytes() == content for file, content in files):
                    return classifier
        except OSError:  # a file the build will report as missing
            return build(settings, with_model=with_model)
        classifier = build(settings, with_model=with_model)
        used = [app_module.gazetteer_path()]
        model_path = app_module.theme_model_path(settings, classifier.book)
        if with_model and model_path is not None:
            used.append(model_path)
        built[key] = (classifier, tuple((file, file.read_bytes()) for file in used))
        return classifier

    return cached, built
