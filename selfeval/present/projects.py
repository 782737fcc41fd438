"""Projects as a person tells them apart and finds them: a label that carries the unit (and code)
where a name repeats, a search over code, name and unit, and the picker's labels. A project is its
code and its unit, never its name alone."""

from __future__ import annotations

import math

import pandas as pd


def _name(x: object) -> str:
    text = "" if x is None or (isinstance(x, float) and math.isnan(x)) else str(x).strip()
    return text or "（未命名）"


def project_names(projects: pd.DataFrame, *, with_unit: bool | None = None) -> pd.Series:
    """Each row's project as a person tells it apart (a project is its code and its unit, never its
    name alone: 职工疗休养 exists in many units): its name; with its unit when `with_unit`, or — left
    None — when another unit in the frame has a project of that name; with its code as well when one
    unit has two of that name. Never two rows with the same label (charts key on it)."""
    if projects.empty:
        return pd.Series([], dtype=object, index=projects.index)
    names = projects["project_name"].map(_name)
    units = (
        projects["unit"].fillna("").astype(str).str.strip() if "unit" in projects else names.map(lambda _: "")
    )
    codes = projects["project_code"].fillna("").astype(str) if "project_code" in projects else names.map(str)
    shared = (
        names.map(units.groupby(names).nunique()) > 1
        if with_unit is None
        else pd.Series(with_unit, index=names.index)
    )
    labels = names.where(~shared | (units == ""), names + "（" + units + "）")
    twice = labels.duplicated(keep=False)
    labels = labels.where(~twice, labels + "·" + codes.where(codes != "", "无编码"))
    return labels + labels.groupby(labels).cumcount().map(lambda n: "" if not n else f"#{n + 1}")


def search_projects(projects: pd.DataFrame, text: str = "", limit: int = 50) -> pd.DataFrame:
    """Current projects whose code, name or unit contains `text` (all when empty), lowest score
    first, at most `limit` rows: a picker never lists 20,000 options."""
    if projects.empty:
        return projects
    df = projects
    words = (text or "").split()
    for word in words:
        hit = pd.Series(False, index=df.index)
        for col in ("project_code", "project_name", "unit"):
            if col in df.columns:
                hit |= df[col].fillna("").astype(str).str.contains(word, case=False, regex=False)
        df = df[hit]
    return df.head(limit)


def project_labels(projects: pd.DataFrame) -> dict[int, str]:
    """submission_id -> "名称（编码 · 年度）" without iterating rows one by one; the name carries
    its unit where another unit's project in the list has that name (project_names)."""
    if projects.empty:
        return {}
    names = projects["project_name"].map(_name)
    units = projects["unit"].fillna("").astype(str).str.strip()
    shared = names.map(units.groupby(names).nunique()) > 1
    codes = projects["project_code"].fillna("").astype(str).replace("", "无编码")
    where = units.where(shared & (units != ""), "").map(lambda u: f"{u} · " if u else "")
    labels = names + "（" + where + codes + " · " + projects["year"].astype(str) + "）"
    return dict(zip(projects["submission_id"].astype(int), labels, strict=True))
