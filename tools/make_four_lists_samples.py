"""Write ledger/samples/four_lists_sample.csv and .xlsx (the same items).

Run after editing ROWS; tests check that both files import to equal items.
The items are illustrative of a market regulator's four lists (四张清单);
they are a format sample, not a published catalogue.
"""

from __future__ import annotations

import csv
from pathlib import Path

from openpyxl import Workbook

HEADER = ["清单", "序号", "违法行为", "适用条件", "违反条款", "处罚依据", "罚款下限（元）", "罚款上限（元）", "备注"]
ROWS = [
    ["不予处罚清单", "1", "未将营业执照置于住所或者主要经营场所醒目位置", "初次违法；及时改正；未造成危害后果",
     "《市场主体登记管理条例》第三十六条", "《市场主体登记管理条例》第四十九条", "", "", "轻微违法及时改正不予处罚"],
    ["不予处罚清单", "12", "食品经营许可证有效期届满未满一个月继续从事食品经营", "初次违法；危害后果轻微；及时改正",
     "《中华人民共和国食品安全法》第三十五条第一款", "《中华人民共和国食品安全法》第一百二十二条第一款", "", "",
     "首违不罚；期间未发生食品安全事故"],
    ["不予处罚清单", "15", "发布的广告中使用“最佳”“顶级”等绝对化用语，首次发布且影响范围小", "初次违法；危害后果轻微；及时改正",
     "《中华人民共和国广告法》第九条第三项", "《中华人民共和国广告法》第五十七条第一项", "", "", ""],
    ["从轻处罚清单", "3", "销售标签不符合规定的预包装食品，货值金额较小", "主动消除或者减轻违法行为危害后果；配合行政机关查处违法行为有立功表现",
     "《中华人民共和国食品安全法》第六十七条", "《中华人民共和国食品安全法》第一百二十五条第一款", "5000", "50000",
     "在法定幅度的较低部分处罚"],
    ["从轻处罚清单", "4", "经营者未按规定明码标价", "主动供述行政机关尚未掌握的违法行为；及时改正",
     "《中华人民共和国价格法》第十三条", "《明码标价和禁止价格欺诈规定》第二十一条", "0", "5000", ""],
    ["减轻处罚清单", "2", "发布含有绝对化用语的广告，主动撤下并消除影响", "主动消除或者减轻违法行为危害后果；初次违法",
     "《中华人民共和国广告法》第九条第三项", "《中华人民共和国广告法》第五十七条第一项", "200000", "1000000",
     "在法定最低罚款以下处罚"],
    ["不予实施行政强制措施清单", "1", "预包装食品标签存在瑕疵，不影响食品安全且不会对消费者造成误导",
     "不影响食品安全；不会对消费者造成误导；当事人承诺限期改正",
     "《中华人民共和国食品安全法》第七十一条", "《中华人民共和国食品安全法》第一百一十条", "", "",
     "不予查封、扣押"],
]

SAMPLES = Path(__file__).resolve().parent.parent / "ledger" / "samples"


def main() -> None:
    SAMPLES.mkdir(exist_ok=True)
    with open(SAMPLES / "four_lists_sample.csv", "w", encoding="utf-8-sig", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(HEADER)
        writer.writerows(ROWS)
    book = Workbook()
    sheet = book.active
    sheet.title = "四张清单"
    sheet.append(HEADER)
    for row in ROWS:
        # numbers as numbers, as a clerk's spreadsheet would hold them
        sheet.append([int(v) if i in (1, 6, 7) and v else (v or None) for i, v in enumerate(row)])
    book.save(SAMPLES / "four_lists_sample.xlsx")


if __name__ == "__main__":
    main()
