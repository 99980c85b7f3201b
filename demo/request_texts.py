"""What the demo's SYNTHETIC residents write in their requests, in the language they write it.

The demo's cities are Chinese (Chengdu, Ya'an, Ningbo, Jiaxing), so their residents write in
Chinese; a few (:data:`ENGLISH_SHARE`, international residents) write in English. Each text is a
short request of its service, as a resident would type it, with the data's SYNTHETIC label in
the same language. The texts are drawn from a random stream of their own (seeded from the
demo's seed), so the demand, the residents and every figure of the demo are those the seed gave
before the texts existed.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass

# One request in twenty-five is written in English.
ENGLISH_SHARE = 0.04
SYNTHETIC_ZH = "（SYNTHETIC 合成数据，非真实居民）"
SYNTHETIC_EN = " (SYNTHETIC data; not a real resident)"
# The status changes' note, written by the city's (Chinese) worker in the request's language.
HISTORY_NOTE = {"zh-hans": "SYNTHETIC 演示记录", "en": "SYNTHETIC demo history"}

CHINESE: dict[str, tuple[str, ...]] = {
    "road_repair": (
        "小区门口的路面塌陷了一个坑，雨天积水，老人出行容易摔倒，请尽快修补。",
        "人行道地砖松动翘起好几块，晚上看不清容易绊倒。",
        "通往菜市场的路坑洼不平，电动车经过很颠簸，希望安排维修。",
    ),
    "water_supply": (
        "今天早上起整栋楼停水，没有看到停水通知，请帮忙问一下什么时候恢复。",
        "家里自来水发黄，有异味，担心水质有问题，请派人检测。",
        "高层住户水压太低，白天几乎出不了水。",
    ),
    "heating_gas": (
        "燃气灶打火后火苗很小，怀疑管道有问题，请安排燃气公司上门检查。",
        "楼道里闻到燃气味，已开窗通风，请尽快派人查看。",
        "家里暖气片不热，室温只有十几度，老人受不了。",
    ),
    "school_enrolment": (
        "孩子今年秋季上小学，想咨询划片学校和报名需要准备的材料。",
        "我们是随迁子女家庭，想了解在本地入学需要哪些证明。",
        "孩子转学后学籍还没转过来，请帮忙协调。",
    ),
    "after_school_care": (
        "双职工家庭，孩子放学后没人接，想报名社区的课后托管。",
        "希望社区暑期开设托管班，孩子假期在家无人照看。",
        "课后托管名额已满，请问能否增加名额？",
    ),
    "chronic_disease_followup": (
        "父亲有高血压和糖尿病，希望家庭医生定期上门随访测血压血糖。",
        "慢病药物快吃完了，想预约社区卫生服务中心续方。",
        "母亲行动不便，能否安排医生上门做慢病随访？",
    ),
    "elderly_home_care": (
        "家中老人独居，腿脚不便，希望安排上门助餐和打扫。",
        "老人刚出院，需要有人上门协助洗澡和康复护理。",
        "想为八十多岁的父亲申请居家养老服务补贴，请告知办理流程。",
    ),
    "job_placement": (
        "刚失业，想登记求职，希望社区推荐附近的工作岗位。",
        "想报名参加社区的免费技能培训，请问什么时候开班？",
        "家里有残疾人想就业，请问有没有合适的公益性岗位？",
    ),
    "pension_social_insurance": (
        "想咨询城乡居民养老保险的缴费档次和补缴办法。",
        "退休手续办好了，养老金还没到账，请帮忙查询。",
        "医保关系转移到本地，需要准备哪些材料？",
    ),
    "waste_collection": (
        "楼下垃圾桶已经满了两天没人清运，气味很大。",
        "有一批旧家具需要处理，请问大件垃圾怎么预约清运？",
        "垃圾分类投放点的厨余垃圾桶坏了，请更换。",
    ),
    "sanitation_greening": (
        "小区绿化带的树枝挡住了路灯和窗户，请安排修剪。",
        "公共厕所卫生状况差，长时间没人打扫。",
        "河道边堆了很多建筑垃圾，影响环境，请清理。",
    ),
}
ENGLISH: dict[str, tuple[str, ...]] = {
    "road_repair": (
        "There is a deep pothole at the entrance to our compound; it fills with water when it "
        "rains.",
    ),
    "water_supply": (
        "No water in our building since this morning and no notice was posted. When will it "
        "be back?",
    ),
    "heating_gas": ("The gas stove flame is very weak; could someone check the supply line?",),
    "school_enrolment": (
        "We moved here for work; what documents do we need to enrol our child in primary school?",
    ),
    "after_school_care": (
        "Both of us work late; is there an after-school care place for our daughter?",
    ),
    "chronic_disease_followup": (
        "My father has diabetes and needs regular check-ups; can the family doctor visit?",
    ),
    "elderly_home_care": (
        "My elderly neighbour lives alone and cannot cook; is home meal delivery available?",
    ),
    "job_placement": ("I am looking for work nearby; can the community help with job listings?",),
    "pension_social_insurance": ("How do I transfer my social insurance from another city?",),
    "waste_collection": ("The bins downstairs have not been emptied for two days.",),
    "sanitation_greening": (
        "Branches in the green belt are blocking the street lamp outside our block.",
    ),
}


@dataclass(frozen=True)
class RequestText:
    description: str
    language: str  # "zh-hans" or "en"


def request_texts(categories: Sequence[str], *, seed: int) -> list[RequestText]:
    """A text for each request of these service categories, in its resident's language."""
    rng = random.Random(f"demo request texts {seed}")  # not the demand's stream
    texts = []
    for category in categories:
        if rng.random() < ENGLISH_SHARE:
            texts.append(RequestText(rng.choice(ENGLISH[category]) + SYNTHETIC_EN, "en"))
        else:
            texts.append(RequestText(rng.choice(CHINESE[category]) + SYNTHETIC_ZH, "zh-hans"))
    return texts
