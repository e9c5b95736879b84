#!/usr/bin/env python3
"""Builds the example knowledge base of Wencheng from the department replies in the fixtures.

Run from the repository root:  python3 examples/wencheng/knowledge/build_example_set.py

Each replied message becomes one entry: the question is the message title, the answer is the
reply without the platform's forwarding note (the salutation and "现将...答复如下" opening and
the closing thanks), the owner is the Wencheng unit that holds the reply's matter, the topic is
the reply's category. The message body is NOT written: it is the held-back query of the
retrieval evaluation (`cargo run -p knowledge-base --example evaluate`).

Replies whose category is unknown are kept only when the responder's name names a department
this county has; the rest are left out. Every seventeenth entry is given a review date in the
past, so the example set shows stale entries. The texts are personal data: this script prints
counts only.
"""

import collections
import csv
import datetime
import json
import pathlib
import re

ROOT = pathlib.Path(__file__).resolve().parents[3]
SOURCE = ROOT / "fixtures" / "appeals" / "replied-dev.jsonl"
OUT = pathlib.Path(__file__).resolve().parent

# Category of the reply (weak label) -> owner unit of examples/wencheng/units.toml.
CATEGORY_OWNER = {
    "城乡建设": "housing-construction",
    "交通运输": "transport",
    "教育文体": "education",
    "劳动和社会保障": "human-resources-social-security",
    "环境保护": "ecology-environment",
    "商贸旅游": "market-supervision",
    "卫生计生": "health",
}

# Words of a responder's name -> owner unit, for replies without a category; first match wins.
RESPONDER_OWNER = [
    ("公积金", "housing-fund"),
    ("不动产", "natural-resources"),
    ("规划", "natural-resources"),
    ("国土", "natural-resources"),
    ("住建", "housing-construction"),
    ("住保", "housing-construction"),
    ("住房", "housing-construction"),
    ("房屋", "housing-construction"),
    ("物业", "housing-construction"),
    ("城管", "urban-management"),
    ("城市管理", "urban-management"),
    ("交警", "transport"),
    ("交通", "transport"),
    ("运管", "transport"),
    ("教育", "education"),
    ("人社", "human-resources-social-security"),
    ("人力资源", "human-resources-social-security"),
    ("医保", "medical-insurance"),
    ("卫健", "health"),
    ("卫计", "health"),
    ("卫生", "health"),
    ("环保", "ecology-environment"),
    ("生态环境", "ecology-environment"),
    ("公安", "public-security"),
    ("派出所", "public-security"),
    ("民政", "civil-affairs"),
    ("行政审批", "administrative-approval"),
    ("市场监", "market-supervision"),
    ("工商", "market-supervision"),
    ("税务", "taxation"),
    ("水务", "water-resources"),
    ("水利", "water-resources"),
    ("农业", "agriculture"),
    ("林业", "forestry"),
    ("文旅", "tourism"),
    ("旅游", "tourism"),
    ("商务", "commerce"),
    ("供电", "power-supply"),
    ("电力", "power-supply"),
]

# Owner unit -> top level of the taxonomy, when the reply has no category.
OWNER_TOPIC = {
    "housing-construction": "城乡建设",
    "natural-resources": "国土资源",
    "urban-management": "城乡建设",
    "housing-fund": "城乡建设",
    "transport": "交通运输",
    "education": "教育文体",
    "human-resources-social-security": "劳动和社会保障",
    "medical-insurance": "劳动和社会保障",
    "health": "卫生计生",
    "ecology-environment": "环境保护",
    "public-security": "政法",
    "civil-affairs": "民政",
    "administrative-approval": "党务政务",
    "market-supervision": "商贸旅游",
    "taxation": "经济管理",
    "water-resources": "农村农业",
    "agriculture": "农村农业",
    "forestry": "农村农业",
    "tourism": "商贸旅游",
    "commerce": "商贸旅游",
    "power-supply": "城乡建设",
}

# Units whose entries are written as CSV, to show the second import format with real data.
CSV_UNITS = {"education"}

OPENING = re.compile(r"^.{0,260}?(?:答复如下|回复如下|现回复如下|答复|回复)[：:]")
CLOSING = re.compile(r"(?:感谢您对我们工作的[^。！]*[。！]?|特此回复[。！]?|此复[。！]?)\s*$")
DATE_TAIL = re.compile(r"\s*\d{4}年\d{1,2}月\d{1,2}日\s*$")
POLICY = re.compile(r"《[^《》]{4,60}》")
WHITESPACE = re.compile(r"\s+")
SALUTATION = re.compile(r"^(?:尊敬的)?(?:网友|市民同志|市民|群众)?[^。！!，,]{0,24}?(?:您好|你好)[！!，,。：:\s]*")
FORWARD_ONLY = re.compile(r"已(?:转|交由|转交)[^。]{0,40}(?:核处|办理|核查|办复|处理)")


def owner_of(row):
    category = row.get("responder_category")
    if category in CATEGORY_OWNER:
        return CATEGORY_OWNER[category], category
    responder = row.get("responder") or ""
    for word, unit in RESPONDER_OWNER:
        if word in responder:
            return unit, OWNER_TOPIC[unit]
    return None, None


def trim_reply(reply):
    text = WHITESPACE.sub(" ", reply).strip()
    match = OPENING.match(text)
    if match:
        text = text[match.end():].strip()
    text = SALUTATION.sub("", text).strip()
    for _ in range(3):
        text = DATE_TAIL.sub("", text).strip()
        text = CLOSING.sub("", text).strip()
    return text


def one_line(text):
    return WHITESPACE.sub(" ", text).strip()


def entry_id(row_id):
    # teddycup2020c/附件4-2549 -> m4-2549
    tail = row_id.rsplit("附件", 1)[-1]
    return "m" + tail


def main():
    rows = [json.loads(line) for line in SOURCE.open(encoding="utf-8")]
    per_unit = collections.defaultdict(list)
    skipped = 0
    for number, row in enumerate(rows):
        owner, topic = owner_of(row)
        answer = trim_reply(row.get("reply") or "")
        question = one_line(row.get("title") or "")
        # A reply that only says where the message was sent answers nothing.
        forward_only = len(answer) < 80 and FORWARD_ONLY.search(answer)
        if owner is None or len(answer) < 20 or forward_only or not question:
            skipped += 1
            continue
        replied = (row.get("replied_at") or row.get("submitted_at") or "2019-01-01")[:10]
        valid_from = datetime.date.fromisoformat(replied)
        review_by = datetime.date(2027, 12, 31)
        if number % 17 == 0:
            review_by = datetime.date(2025, 6, 30)
        policy = POLICY.search(answer)
        source = policy.group(0) if policy else f"{row.get('responder') or '承办单位'}答复（{replied}）"
        per_unit[owner].append(
            {
                "id": entry_id(row["id"]),
                "owner": owner,
                "question": question,
                "answer": answer,
                "topic": [topic],
                "source": one_line(source),
                "valid_from": valid_from.isoformat(),
                "review_by": review_by.isoformat(),
            }
        )

    for old in list(OUT.glob("*.md")) + list(OUT.glob("*.csv")):
        old.unlink()
    total = 0
    for unit, entries in sorted(per_unit.items()):
        total += len(entries)
        if unit in CSV_UNITS:
            write_csv(OUT / f"{unit}.csv", entries)
        else:
            write_markdown(OUT / f"{unit}.md", unit, entries)
    print(f"{total} entries in {len(per_unit)} unit files; {skipped} replies left out")


def write_markdown(path, unit, entries):
    with path.open("w", encoding="utf-8") as out:
        out.write(f"# 知识库：{unit}\n\n")
        for entry in entries:
            out.write(f"## {entry['question']}\n\n")
            out.write(f"- id: {entry['id']}\n")
            out.write(f"- owner: {entry['owner']}\n")
            out.write(f"- topic: {' / '.join(entry['topic'])}\n")
            out.write(f"- source: {entry['source']}\n")
            out.write(f"- valid_from: {entry['valid_from']}\n")
            out.write(f"- review_by: {entry['review_by']}\n\n")
            out.write(f"{entry['answer']}\n\n")


def write_csv(path, entries):
    with path.open("w", encoding="utf-8", newline="") as out:
        writer = csv.writer(out)
        writer.writerow(
            ["id", "owner", "question", "phrasings", "answer", "topic", "source", "valid_from", "review_by"]
        )
        for entry in entries:
            writer.writerow(
                [
                    entry["id"],
                    entry["owner"],
                    entry["question"],
                    "",
                    entry["answer"],
                    " / ".join(entry["topic"]),
                    entry["source"],
                    entry["valid_from"],
                    entry["review_by"],
                ]
            )


if __name__ == "__main__":
    main()
