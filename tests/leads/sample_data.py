"""The shipped sample lead lists, and the generator that writes them.

``data/sample_leads.csv`` (UTF-8 with BOM, Chinese headers, the way the data
team's "数据录入模板" looks once saved as CSV) and ``data/sample_leads.xlsx``
(the same companies as a workbook with a title row, separate 手机/座机 columns
and mobiles typed into number cells). All companies, people and numbers are
made up. Some rows are deliberately bad; :data:`CSV_EXPECTED` and
:data:`XLSX_EXPECTED` say what an import of each into an empty database reports.

Regenerate (deterministic; commit the result)::

    uv run python -m tests.leads.sample_data
"""

from __future__ import annotations

import csv
import io
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
CSV_PATH = ROOT / "data" / "sample_leads.csv"
XLSX_PATH = ROOT / "data" / "sample_leads.xlsx"

# company, contact, title, phone (as the data team typed it), industry, source, notes
LEADS: list[tuple[str, ...]] = [
    ("广州恒信贸易有限公司", "王建华", "采购部经理", "020-3888 1234", "贸易", "广州招聘会", ""),
    ("深圳华强创芯电子有限公司", "李娜", "行政主管", "138 2345 6701", "电子", "展会会刊", "常去上海、苏州出差"),
    ("上海浦江软件技术有限公司", "陈志强", "技术总监", "+86 139-1876-5402", "IT/软件", "商务网站", ""),
    ("北京瑞丰医药科技有限公司", "刘芳", "总经理助理", "(010) 6552 8803", "制药", "英雄会", ""),
    ("杭州西溪网络科技有限公司", "赵磊", "人事行政经理", "13757104422", "IT/软件", "商务网站", ""),
    ("东莞长安精密机械制造厂", "黄志明", "厂长", "0769-8533 1207", "机械制造", "展会会刊", "周一上午开会"),
    ("佛山顺德美居家具有限公司", "周丽", "采购主管", "0757-2299 1234", "家具", "展会会刊", ""),
    ("成都天府建设工程有限公司", "吴刚", "项目经理", "18628150906", "建筑", "英雄会", "经常跑工地,手机为主"),
    ("南京金陵广告传媒有限公司", "孙婷", "客户总监", "025-8468 2210", "广告", "商务网站", ""),
    ("武汉江城物流有限公司", "郑伟", "运营经理", "027-8577 6630", "物流", "广州招聘会", ""),
    ("苏州工业园区博远电子有限公司", "冯晓东", "总经理", "0512-6258 7745", "电子", "展会会刊", ""),
    ("天津滨海重工机械有限公司", "何建国", "销售副总", "022-2532 0198", "机械制造", "英雄会", ""),
    ("重庆山城医药连锁有限公司", "许静", "办公室主任", "15923087712", "制药", "商务网站", ""),
    ("西安古城建筑设计院有限公司", "马超", "院长助理", "029-8836 4502", "建筑", "英雄会", ""),
    ("厦门海峡国际贸易有限公司", "林雅琪", "外贸经理", "0592-516 3228", "贸易", "展会会刊", "下午三点后方便"),
    ("青岛海湾物流集团有限公司", "高鹏", "行政经理", "0532-8096 5531", "物流", "广州招聘会", ""),
    ("长沙湘江广告有限公司", "罗敏", "创意总监", "0731-8482 9976", "广告", "商务网站", ""),
    ("宁波北仑模具制造有限公司", "谢海涛", "厂长", "13806617735", "机械制造", "展会会刊", ""),
    ("合肥科大讯达软件有限公司", "韩雪", "行政专员", "0551-6533 8104", "IT/软件", "商务网站", ""),
    ("昆明云岭制药股份有限公司", "唐建平", "销售总监", "0871-6412 5509", "制药", "英雄会", "常去北京开会"),
    ("郑州中原建工集团有限公司", "曹颖", "总经办秘书", "0371-6558 2290", "建筑", "英雄会", ""),
    ("大连星海国际贸易有限公司", "邓晨", "进出口部经理", "+86 411 8256 3317", "贸易", "广州招聘会", ""),
    ("福州闽江电子科技有限公司", "彭丽娟", "采购经理", "0591-8378 6620", "电子", "展会会刊", ""),
    ("济南泉城广告传播有限公司", "曾志伟", "总经理", "0531-8690 4418", "广告", "商务网站", ""),
    ("沈阳北方重型机械有限公司", "萧红", "行政部长", "024-2387 1196", "机械制造", "英雄会", ""),
    ("无锡太湖物流有限公司", "田野", "调度主管", "0510-8277 9903", "物流", "广州招聘会", ""),
    ("珠海横琴软件园信息技术有限公司", "董婷婷", "人事经理", "0756-335 9887", "IT/软件", "商务网站", ""),
    ("石家庄神威药业有限公司", "袁杰", "市场部经理", "0311-8766 2345", "制药", "英雄会", ""),
    ("南宁绿城建设有限公司", "潘晓燕", "办公室主任", "0771-553 8446", "建筑", "展会会刊", ""),
    ("温州瓯江鞋业贸易有限公司", "蒋立新", "总经理", "13968851276", "贸易", "展会会刊", "老板常飞广州"),
    ("中山古镇灯饰电子有限公司", "蔡明", "外贸主管", "0760-2213 6698", "电子", "展会会刊", ""),
    ("哈尔滨冰城物流有限公司", "贾宏", "经理", "0451-8762 3304", "物流", "广州招聘会", ""),
]

HEADER = ("公司名称", "联系人", "职位", "电话", "行业", "来源", "备注")

# Deliberately bad or duplicate rows, appended after the good ones: (cells, what the import says)
BAD_ROWS: list[tuple[tuple[str, ...], str]] = [
    (("昆山鼎盛电子有限公司", "姚军", "采购员", "", "电子", "展会会刊", "电话待补"), "no phone number"),
    (("太原晋商贸易有限公司", "钱多多", "经理", "1381234567", "贸易", "商务网站", ""), "a mobile number has 11 digits"),
    (("兰州丝路建设有限公司", "白雪", "行政", "0931-882345", "建筑", "英雄会", ""), "invalid number"),
    # the same number as 深圳华强创芯 above, typed another way
    (
        ("深圳华强创芯电子有限公司(重复)", "李娜", "行政主管", "+86 138-2345-6701", "电子", "商务网站", ""),
        "duplicate of row",
    ),
    # the same landline as 广州恒信 above
    (("恒信贸易", "王建华", "经理", "02038881234", "贸易", "英雄会", ""), "duplicate of row"),
    (
        ("贵阳黔灵医药有限公司", "龙飞", "采购经理", "0851-8582 2231", "制药", "英雄会", "多填了一格", "多余"),
        "too many cells",
    ),
    (("", "无名氏", "经理", "13577120098", "物流", "商务网站", ""), "no company name"),
]

# Rows that are fine but show the importer's manners
EXTRA_GOOD: list[tuple[str, ...]] = [
    ("海口椰城旅游贸易有限公司", "吴海燕", "总经理", "0898-6678 2231 转 806", "贸易", "商务网站", "总机转分机"),
    ("拉萨雪域建设工程有限公司", "次仁", "项目经理", "0891-6338 1120 / 13908901234", "建筑", "英雄会", ""),
    ("乌鲁木齐天山机械有限公司", "阿不都", "副总经理", "0991-283 6447", "机械制造", "展会会刊", ""),
]


def csv_rows() -> list[tuple[str, ...]]:
    return [HEADER, *LEADS, *EXTRA_GOOD, *(cells for cells, _ in BAD_ROWS)]


CSV_EXPECTED = {"imported": len(LEADS) + len(EXTRA_GOOD), "duplicates": 2, "rejected": 5}
"""What importing data/sample_leads.csv into an empty database reports."""


def write_csv(path: Path = CSV_PATH) -> None:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerows(csv_rows())
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(out.getvalue().encode("utf-8-sig"))


XLSX_HEADER = ("公司", "联系人", "职务", "手机", "座机", "所属行业", "数据来源", "备注")
XLSX_EXPECTED = {"imported": len(LEADS) + len(EXTRA_GOOD), "duplicates": 2, "rejected": 5, "header_row": 2}


def _split_phone(phone: str) -> tuple[object, str]:
    """(手机, 座机): mobiles go into the 手机 column as *numbers*, as Excel keeps them."""
    digits = "".join(ch for ch in phone if ch.isdigit())
    if "/" in phone:
        landline, mobile = (p.strip() for p in phone.split("/"))
        return int(mobile), landline
    if digits.startswith("1") and len(digits) == 11 and not phone.startswith("+"):
        return int(digits), ""
    if not phone:
        return "", ""
    if phone.startswith(("+86 1", "1")):
        return phone, ""
    return "", phone


def write_xlsx(path: Path = XLSX_PATH) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Font

    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "数据录入模板"
    sheet.append(["数据录入模板(示例数据,公司和号码均为虚构)"])
    sheet["A1"].font = Font(bold=True)
    sheet.append(list(XLSX_HEADER))
    for cell in sheet[2]:
        cell.font = Font(bold=True)
    for cells in [*LEADS, *EXTRA_GOOD, *(c for c, _ in BAD_ROWS)]:
        company, contact, title, phone, industry, source, notes, *extra = cells
        mobile, landline = _split_phone(phone)
        sheet.append([company, contact, title, mobile, landline, industry, source, notes, *extra])
    for column, width in zip("ABCDEFGH", (34, 10, 14, 16, 22, 10, 12, 24)):
        sheet.column_dimensions[column].width = width
    sheet.freeze_panes = "A3"
    workbook.properties.creator = "callscript"
    workbook.properties.created = workbook.properties.modified = _FIXED_TIME
    path.parent.mkdir(parents=True, exist_ok=True)
    workbook.save(path)


_FIXED_TIME = datetime(2026, 1, 5, 9, 0, 0)


def main() -> None:
    write_csv()
    write_xlsx()
    print(f"wrote {CSV_PATH.relative_to(ROOT)} and {XLSX_PATH.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
