"""Lead import: encodings, formats, headers, every kind of bad row, duplicates, dry run, samples."""

from __future__ import annotations

import codecs
import sqlite3

import psycopg
import pytest
from openpyxl import Workbook

from callscript.files.tabular import csv_text
from callscript.leads import mark_phone_do_not_call
from callscript.leads.importer import ImportFileError, import_leads, parse_mapping, problems_sheet
from leads import sample_data
from leads.helpers import csv_bytes

HEADER_ZH = ["公司名称", "联系人", "职位", "电话", "行业", "来源", "备注"]
ROWS = [
    ["广州恒信贸易有限公司", "王建华", "采购部经理", "020-3888 1234", "贸易", "广州招聘会", "常出差"],
    ["深圳华强创芯电子有限公司", "李娜", "行政主管", "138 2345 6701", "电子", "展会会刊", ""],
    ["北京瑞丰医药科技有限公司", "刘芳", "总经理助理", "+86 10 6552 8803", "制药", "英雄会", ""],
]


def leads_in(store):
    return store.list_leads()


def run(store, data: bytes, name: str = "leads.csv", **options):
    return import_leads(store, name, data=data, **options)


# --------------------------------------------------------------------------- encodings and formats


@pytest.mark.parametrize(
    "encoding, delimiter, expected",
    [
        ("utf-8", ",", "UTF-8"),
        ("utf-8-sig", ",", "UTF-8 with BOM"),
        ("gbk", ",", "GBK"),
        ("gb18030", ",", "GBK"),
        ("utf-16", "\t", "UTF-16"),  # Excel's "Unicode text"
        ("utf-8", ";", "UTF-8"),
    ],
)
def test_every_encoding_reads_the_same(store, encoding, delimiter, expected):
    result = run(store, csv_bytes([HEADER_ZH, *ROWS], encoding=encoding, delimiter=delimiter))
    assert (result.format, result.encoding, result.imported) == ("csv", expected, 3)
    leads = leads_in(store)
    assert [lead.company for lead in leads] == [r[0] for r in ROWS]
    assert [lead.phone_norm for lead in leads] == ["+862038881234", "+8613823456701", "+861065528803"]
    assert [lead.phone_kind for lead in leads] == ["landline", "mobile", "landline"]
    assert (leads[0].contact, leads[0].title, leads[0].industry, leads[0].source, leads[0].notes) == (
        "王建华",
        "采购部经理",
        "贸易",
        "广州招聘会",
        "常出差",
    )
    assert leads[0].status == "new" and not leads[0].do_not_call


def test_excel_sep_line(store):
    data = "sep=;\r\n公司;电话\r\n甲公司;13812345678\r\n乙公司;12\r\n".encode()
    result = run(store, data)
    assert result.imported == 1 and [p.row for p in result.rejected] == [3]  # as Excel numbers it


def test_gbk_only_characters_and_explicit_encoding(store):
    data = csv_bytes([["公司", "电话"], ["镕基鋆業有限公司", "13800000001"]], encoding="gb18030")
    assert run(store, data).imported == 1
    assert leads_in(store)[0].company == "镕基鋆業有限公司"
    with pytest.raises(ImportFileError, match="not valid UTF-8") as refused:
        run(store, data, encoding="utf-8")
    assert refused.value.code == "bad_encoding"
    with pytest.raises(ImportFileError, match="unknown encoding") as refused:
        run(store, data, encoding="klingon")
    assert refused.value.code == "unknown_encoding"


def _xlsx(tmp_path, rows, name="leads.xlsx", title=None, sheet_name="Sheet"):
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = sheet_name
    if title:
        sheet.append([title])
    for row in rows:
        sheet.append(row)
    path = tmp_path / name
    workbook.save(path)
    return path


def test_xlsx_with_title_row_number_cells_and_gaps(store, tmp_path):
    path = _xlsx(
        tmp_path,
        [
            ["公司", "联系人", "手机", "座机"],
            ["甲公司", "张三", 13812345678, ""],  # a mobile typed into a number cell
            [None, None, None, None],  # a blank row
            ["乙公司", "李四", None, "0755-2688 1234"],
            ["丙公司", "王五", 13912345678.0, "010-8888 6666"],
            ["丁公司", "赵六", None, None],
        ],
        title="数据录入模板 2026年3月",
    )
    result = import_leads(store, path)
    assert (result.format, result.sheet, result.header_row) == ("xlsx", "Sheet", 2)
    assert result.columns["phone"] == ["手机", "座机"]
    assert result.imported == 3 and result.blank_rows == 1
    assert [(p.row, p.reason) for p in result.rejected] == [(7, "no phone number")]
    leads = {lead.company: lead for lead in leads_in(store)}
    assert leads["甲公司"].phone_norm == "+8613812345678"
    assert leads["乙公司"].phone_norm == "+8675526881234"
    assert leads["丙公司"].phone_norm == "+8613912345678"
    assert leads["丙公司"].notes == "其他电话: 010-8888 6666"


def test_xlsx_by_content_not_by_name_and_sheet_choice(store, tmp_path):
    path = _xlsx(tmp_path, [["company", "phone"], ["Acme", "13812345678"]], name="renamed.csv", sheet_name="名单")
    assert import_leads(store, path).imported == 1
    with pytest.raises(ImportFileError, match="no sheet 'x'") as refused:
        import_leads(store, path, sheet="x")
    assert refused.value.code == "no_sheet"
    assert import_leads(store, path, sheet="名单", dry_run=True).duplicates_in_db == 1


def test_xlsx_too_many_cells(store, tmp_path):
    path = _xlsx(tmp_path, [["公司", "电话"], ["甲公司", "13812345678", "多余"], ["乙公司", "13912345678", None]])
    result = import_leads(store, path)
    assert [(p.row, p.reason) for p in result.rejected] == [(2, "too many cells: 3, the header has 2 columns")]
    assert result.imported == 1


# --------------------------------------------------------------------------- headers and --map


def test_english_headers_and_header_spellings(store):
    data = csv_bytes(
        [
            ["Company Name", "Contact", "Job Title", "Phone Number", "Industry", "Source", "Remarks", "Website"],
            ["Acme Trading", "Li Na", "Manager", "13812345678", "Trade", "web", "n/a", "acme.example"],
        ]
    )
    result = run(store, data)
    assert result.imported == 1 and result.ignored_columns == ["Website"]
    assert set(result.columns) == {"company", "contact", "title", "phone", "industry", "source", "notes"}
    data = csv_bytes([["*公司名称：", "联系人（姓名）", "手机号码", " 所属行业 "], ["甲", "张", "13912345678", "IT"]])
    result = run(store, data)
    assert result.imported == 1 and set(result.columns) == {"company", "contact", "phone", "industry"}


def test_department_column_fills_the_greeting(store):
    """A 部门 column is read into the lead's department: the opening asks 「请问XX部的XXX先生/小姐在吗?」."""
    data = csv_bytes([["公司", "联系人", "部门", "职位", "电话"], ["甲公司", "张伟", "市场部", "经理", "13812345678"]])
    result = run(store, data)
    assert result.imported == 1 and "department" in result.columns
    [lead] = leads_in(store)
    assert (lead.department, lead.title) == ("市场部", "经理")


def test_map_overrides_and_errors(store):
    data = csv_bytes(
        [["单位", "负责人", "联系方式", "网址", "地址"], ["甲公司", "张三", "13812345678", "x.cn", "北京"]]
    )
    with pytest.raises(ImportFileError, match="no phone column") as refused:
        run(store, data)
    assert refused.value.code == "no_phone_column"
    mapping = parse_mapping(["单位=company", "contact=负责人", "联系方式=电话", "地址=notes", "网址=ignore"])
    assert mapping == {"单位": "company", "负责人": "contact", "联系方式": "phone", "地址": "notes", "网址": "ignore"}
    result = run(store, data, mapping=mapping)
    assert result.imported == 1 and result.ignored_columns == ["网址"]
    lead = leads_in(store)[0]
    assert (lead.company, lead.contact, lead.notes) == ("甲公司", "张三", "北京")
    for bad, words in ((["单位=公司名"], "not a lead field"), (["单位"], "COLUMN=FIELD")):
        with pytest.raises(ImportFileError, match=words) as refused:
            parse_mapping(bad)
        assert refused.value.code == "bad_mapping"
    with pytest.raises(ImportFileError, match="no column '部门'") as refused:
        run(store, data, mapping=parse_mapping(["部门=title", "联系方式=phone", "单位=company"]))
    assert refused.value.code == "bad_mapping"


def test_several_notes_columns_are_joined_with_their_names(store):
    data = csv_bytes([["公司", "电话", "备注", "地址"], ["甲", "13812345678", "下午打", "北京市朝阳区"]])
    run(store, data, mapping={"地址": "notes"})
    assert leads_in(store)[0].notes == "备注: 下午打; 地址: 北京市朝阳区"


# --------------------------------------------------------------------------- bad rows


def test_each_kind_of_bad_row_is_reported_with_its_excel_row_number(store):
    text = (
        "公司,联系人,电话,备注\r\n"  # row 1
        "甲公司,张三,13812345678,\r\n"  # row 2 ok
        "乙公司,李四,,\r\n"  # row 3 no phone
        "丙公司,王五,1381234567,\r\n"  # row 4 10 digits
        "丁公司,赵六,021-6438123,\r\n"  # row 5 not in use
        "戊公司,钱七,13912345678,备注,多余\r\n"  # row 6 too many cells
        ",孙八,13712345678,\r\n"  # row 7 no company
        "\r\n"  # row 8 blank
        "己公司,周九,电话待补,\r\n"  # row 9 no digits
        '庚公司,吴十,13612345678,"两行\r\n的备注"\r\n'  # row 10 ok (a quoted line break)
        "辛公司,郑一,14012345678,\r\n"  # row 11 no such prefix
        f"壬公司,{'长' * 150},13512345678,\r\n"  # row 12 cell too long
        "癸公司,冯二,13412345678,,,\r\n"  # row 13 ok: trailing empty cells
    ).encode()
    result = run(store, text)
    reasons = {p.row: p.reason for p in result.rejected}
    assert sorted(reasons) == [3, 4, 5, 6, 7, 9, 11, 12]
    assert reasons[3] == "no phone number"
    assert "has 11 digits, this one has 10" in reasons[4]
    assert "not a number in use" in reasons[5]
    assert reasons[6] == "too many cells: 5, the header has 4 columns"
    assert reasons[7] == "no company name"
    assert "no digits" in reasons[9]
    assert "no such mobile prefix 140" in reasons[11]
    assert reasons[12] == "联系人: too long (150 characters, at most 100)"
    assert result.imported == 3 and result.blank_rows == 1 and result.rows_read == 11
    assert [lead.company for lead in leads_in(store)] == ["甲公司", "庚公司", "癸公司"]
    assert leads_in(store)[1].notes == "两行\n的备注"
    assert "3,rejected,no phone number" in csv_text(problems_sheet(result)).replace("\r\n", "\n")


def test_strict_imports_nothing_when_a_row_is_bad(store):
    data = csv_bytes([["公司", "电话"], ["甲", "13812345678"], ["乙", "123"]])
    with pytest.raises(ImportFileError, match="1 row\\(s\\) rejected, nothing imported") as refused:
        run(store, data, strict=True)
    assert refused.value.code == "rows_rejected"
    assert leads_in(store) == []


@pytest.mark.parametrize(
    "data, words, code",
    [
        (b"", "the file is empty", "empty_file"),
        (b"\r\n\r\n  \r\n", "the file is empty", "empty_file"),
        ("公司,联系人\r\n甲,张三\r\n".encode(), "no phone column", "no_phone_column"),
        ("电话,联系人\r\n13812345678,张三\r\n".encode(), "no company column", "no_company_column"),
        (b"\x00\x01binary\x00", "not a text file", "not_text"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1rest", "old Excel .xls", "old_xls"),
        (b"PK\x03\x04not really a zip", "not a readable .xlsx", "bad_xlsx"),
        (b"abc,def\r\n\x80\xff", "neither UTF-8 nor GBK", "bad_encoding"),
    ],
)
def test_file_level_errors_are_clear_and_write_nothing(store, data, words, code):
    with pytest.raises(ImportFileError, match=words) as refused:
        run(store, data)
    assert refused.value.code == code
    assert leads_in(store) == []


def test_missing_file_and_directory(store, tmp_path):
    with pytest.raises(ImportFileError, match="cannot read") as refused:
        import_leads(store, tmp_path / "nope.csv")
    assert refused.value.code == "file_unreadable"
    with pytest.raises(ImportFileError, match="directory") as refused:
        import_leads(store, tmp_path)
    assert refused.value.code == "file_unreadable"


# --------------------------------------------------------------------------- duplicates


def test_duplicates_within_the_file_in_other_spellings(store):
    data = csv_bytes(
        [
            ["公司", "电话"],
            ["甲", "13812345678"],
            ["甲(重复)", "+86 138-1234-5678"],
            ["甲(又重复)", "0086 138 1234 5678"],
            ["乙", "010-8888 6666"],
            ["乙(重复)", "(010)88886666"],
            ["乙分机", "010-8888 6666 转 801"],
        ]
    )
    result = run(store, data)
    assert result.imported == 3  # 甲, 乙, 乙's extension 801
    assert [(d.row, d.first_row, d.phone_norm) for d in result.duplicates] == [
        (3, 2, "+8613812345678"),
        (4, 2, "+8613812345678"),
        (6, 5, "+861088886666"),
    ]
    assert result.duplicates[0].reason == "duplicate of row 2 (+8613812345678)"


def test_duplicates_against_the_database(store):
    store.add_lead("老客户", "13812345678")
    data = csv_bytes([["公司", "电话"], ["新名字", "138 1234 5678"], ["新客户", "13912345678"]])
    result = run(store, data)
    assert result.imported == 1 and result.duplicates_in_db == 1
    (dup,) = result.duplicates
    assert (dup.row, dup.lead_id, dup.do_not_call) == (2, 1, False)
    assert store.get_lead(1).company == "老客户"  # the existing lead is untouched
    again = run(store, data)
    assert again.imported == 0 and again.duplicates_in_db == 2
    assert "already in the database as lead 1" in again.summary() or again.duplicates[0].reason.startswith(
        "already in the database as lead 1"
    )


def test_do_not_call_survives_a_reimport(store):
    data = csv_bytes([["公司", "电话", "备注"], ["甲公司", "13812345678", "新备注"], ["乙公司", "13912345678", ""]])
    run(store, data)
    lead, _ = mark_phone_do_not_call(store, "138 1234 5678", "客户要求")
    unknown, created = mark_phone_do_not_call(store, "13712345678", "投诉过")  # not imported yet
    assert created
    data2 = csv_bytes([["公司", "电话"], ["甲公司", "+86 13812345678"], ["丙公司", "137-1234-5678"]])
    result = run(store, data2)
    assert result.imported == 0 and result.do_not_call_kept == 2
    assert "2 of them do-not-call" in result.summary()
    assert store.get_lead(lead.id).do_not_call and store.get_lead(unknown.id).do_not_call
    assert store.count_leads(do_not_call=False) == 1


def test_dry_run_writes_nothing(store):
    store.add_lead("老客户", "13812345678")
    data = csv_bytes([["公司", "电话"], ["甲", "13812345678"], ["乙", "13912345678"], ["丙", "12"]])
    result = run(store, data, dry_run=True)
    assert (result.dry_run, result.imported, len(result.duplicates), len(result.rejected)) == (True, 1, 1, 1)
    assert result.summary().startswith("would import 1")
    assert store.count_leads() == 1


def test_a_failure_mid_import_leaves_nothing(store):
    rows = [["公司", "电话"]] + [[f"公司{i}", f"139{i:08d}"] for i in range(12_000)]

    def boom(done, total):
        assert 0 < done < total
        raise RuntimeError("disk on fire")

    with pytest.raises(RuntimeError, match="disk on fire"):
        run(store, csv_bytes(rows), progress=boom)
    assert store.count_leads() == 0
    assert run(store, csv_bytes(rows)).imported == 12_000


# --------------------------------------------------------------------------- the shipped samples


def test_the_sample_csv(store):
    raw = sample_data.CSV_PATH.read_bytes()
    assert raw.startswith(codecs.BOM_UTF8)
    expected = sample_data.csv_rows()
    text = raw.decode("utf-8-sig").split("\r\n")
    assert len([t for t in text if t]) == len(expected)  # the file is the generator's
    result = import_leads(store, sample_data.CSV_PATH)
    counts = {"imported": result.imported, "duplicates": len(result.duplicates), "rejected": len(result.rejected)}
    assert counts == sample_data.CSV_EXPECTED
    reasons = " / ".join(p[2] for p in result.problems())
    for _, words in sample_data.BAD_ROWS:
        assert words in reasons
    industries = set(store.industries())
    assert {"IT/软件", "贸易", "制药", "建筑", "广告", "物流", "机械制造", "电子"} <= industries
    kinds = {lead.phone_kind for lead in store.list_leads()}
    assert kinds == {"mobile", "landline"}


def test_the_sample_xlsx(store):
    result = import_leads(store, sample_data.XLSX_PATH)
    counts = {
        "imported": result.imported,
        "duplicates": len(result.duplicates),
        "rejected": len(result.rejected),
        "header_row": result.header_row,
    }
    assert counts == sample_data.XLSX_EXPECTED
    # the CSV holds the same leads: all duplicates now
    again = import_leads(store, sample_data.CSV_PATH, dry_run=True)
    assert again.imported == 0 and again.duplicates_in_db == sample_data.CSV_EXPECTED["imported"]


def test_integrity_after_imports(store):
    import_leads(store, sample_data.CSV_PATH)
    assert store.sqlite_check(quick=False) == []  # the file's pages (PostgreSQL checks its own)
    with pytest.raises((sqlite3.IntegrityError, psycopg.errors.IntegrityError)):
        store.conn.execute(
            "INSERT INTO leads (company, phone, phone_norm, created_at, updated_at) "
            "VALUES ('x', 'x', '+862038881234', 'x', 'x')"
        )


def test_region(store, monkeypatch):
    data = csv_bytes([["公司", "电话"], ["香港公司", "2345 6789"], ["内地公司", "13812345678"]])
    result = run(store, data, region="HK", dry_run=True)
    assert result.imported == 1 and "not a number in use in HK" in result.rejected[0].reason  # a CN mobile, read as HK
    with pytest.raises(ImportFileError, match="unknown phone region") as refused:
        run(store, data, region="XX")
    assert refused.value.code == "bad_region"
    monkeypatch.setenv("CALLSCRIPT_REGION", "ZZZ")
    with pytest.raises(ImportFileError, match="unknown phone region") as refused:
        run(store, data)
    assert refused.value.code == "bad_region"
