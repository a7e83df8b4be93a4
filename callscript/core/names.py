"""Chinese personal names: the surname a greeting uses.

The seed greets people by surname (「我姓X」, 「X先生/小姐」). Most Chinese surnames
are one character, but a few hundred families carry a two-character (复姓) surname:
欧阳娜娜 is Ms 欧阳, not Ms 欧. :func:`surname` is the one place a greeting takes a
surname from a full name (the agent's ``{agent_surname}``, the contact's
``{contact_surname}``), so every line agrees.
"""

from __future__ import annotations

COMPOUND_SURNAMES: frozenset[str] = frozenset(
    {
        # the common two-character surnames (百家姓's 复姓 still in use today)
        "欧阳", "司马", "诸葛", "上官", "东方", "皇甫", "尉迟", "公孙", "慕容", "长孙",
        "宇文", "司徒", "夏侯", "令狐", "轩辕", "端木", "独孤", "南宫", "西门", "万俟",
        "闻人", "澹台", "公冶", "宗政", "濮阳", "淳于", "太叔", "申屠", "钟离",
        "呼延", "赫连", "拓跋", "百里", "东郭", "南门", "羊舌", "微生", "梁丘", "左丘",
        "第五", "公羊", "谷梁", "司空", "司寇", "亓官", "仲孙", "乐正", "壤驷", "漆雕",
        "巫马", "子车", "颛孙", "鲜于", "闾丘", "公良", "段干", "东门", "公西", "夹谷",
        "宰父",
    }
)  # fmt: skip
"""Two-character surnames; a name starting with one of these takes both characters."""


def surname(full_name: str | None) -> str:
    """The surname of a Chinese full name: its first two characters for a 复姓
    (:data:`COMPOUND_SURNAMES`), else its first character; ``""`` for no name.

    A name that is not written in Chinese characters (``Lily Wang``) is returned as it
    is: guessing which part is the family name would be worse than using the whole.
    """
    name = (full_name or "").strip()
    if not name:
        return ""
    if not _is_han(name[0]):
        return name
    if name[:2] in COMPOUND_SURNAMES:
        return name[:2]  # 「欧阳娜娜」 → 欧阳; 「欧阳」 alone is the surname we were given
    return name[0]


def _is_han(char: str) -> bool:
    return "\u3400" <= char <= "\u9fff" or "\uf900" <= char <= "\ufaff"
