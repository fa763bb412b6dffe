"""Demo organisation: 江南省电力公司 (a provincial power utility) with regions, city branches, service
outlets and teams, ~300 staff, ~2,000 customers and one login per role. Idempotent by unit codes."""

from __future__ import annotations

import random
from collections.abc import Callable

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import transaction

from sqms.core.demo import DEMO_PASSWORD
from sqms.org.models import Customer, OrgUnit, Process, Responsibility, Role, RoleAssignment, Staff, UnitKind
from sqms.org.services import assign_role

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何林罗高郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉斌浩宇欣怡子涵梓轩雨婷佳琪思远俊杰建国晓东晨阳文博嘉怡海燕志强春梅"
REGIONS = [
    ("EAST", "东部区域", "East region", ["苏州", "无锡", "常州", "南通"]),
    ("WEST", "西部区域", "West region", ["南京", "镇江", "扬州", "泰州"]),
    ("NORTH", "北部区域", "North region", ["徐州", "淮安", "盐城", "连云港"]),
]
PINYIN = {
    "苏州": "SZ",
    "无锡": "WX",
    "常州": "CZ",
    "南通": "NT",
    "南京": "NJ",
    "镇江": "ZJ",
    "扬州": "YZ",
    "泰州": "TZ",
    "徐州": "XZ",
    "淮安": "HA",
    "盐城": "YC",
    "连云港": "LYG",
}
TEAMS = [
    ("HALL1", "城区营业厅", UnitKind.OUTLET),
    ("HALL2", "开发区营业厅", UnitKind.OUTLET),
    ("CC", "客户服务中心", UnitKind.DEPARTMENT),
    ("REPAIR", "抢修班", UnitKind.TEAM),
    ("METER", "计量班", UnitKind.TEAM),
]
POSITIONS = {"HALL1": "营业员", "HALL2": "营业员", "CC": "客服代表", "REPAIR": "抢修员", "METER": "计量员"}
PROCESSES = [
    ("P-CONSULT", "售前咨询"),
    ("P-NEWCONN", "新装增容办理"),
    ("P-REPAIR", "故障报修与抢修"),
    ("P-BILLING", "电费结算与缴费"),
    ("P-COMPLAINT", "投诉处理"),
    ("P-SURVEY", "满意度回访"),
]


def name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice([1, 2])))


def phone(rng: random.Random) -> str:
    return rng.choice(["138", "139", "136", "158", "186", "187", "150"]) + f"{rng.randrange(10**8):08d}"


@transaction.atomic
def seed(size: str, write: Callable[[str], None]) -> None:
    if OrgUnit.objects.filter(code="HQ").exists():
        write("  organisation already seeded")
        return
    rng = random.Random(2026)
    User = get_user_model()
    admin = User.objects.filter(username="admin").first() or User.objects.create_superuser(
        "admin", "admin@example.com", DEMO_PASSWORD, first_name="系统管理员"
    )

    def unit(code: str, nm: str, kind: str, parent: OrgUnit | None, en: str = "") -> OrgUnit:
        u = OrgUnit.objects.create(code=code, name=nm, name_en=en, kind=kind, parent=parent, created_by=admin)
        u.path = f"{parent.path if parent else '/'}{u.pk}/"
        u.depth = parent.depth + 1 if parent else 0
        u.save(update_fields=["path", "depth"])
        return u

    hq = unit("HQ", "江南省电力公司", UnitKind.COMPANY, None, "Jiangnan Provincial Power Co.")
    unit("HQ-QM", "质量管理部", UnitKind.DEPARTMENT, hq, "Quality Management Dept.")
    teams: list[OrgUnit] = []
    branches: dict[str, OrgUnit] = {}
    regions: dict[str, OrgUnit] = {}
    for rcode, rname, ren, cities in REGIONS:
        region = unit(rcode, rname, UnitKind.REGION, hq, ren)
        regions[rcode] = region
        for city in cities:
            code = PINYIN[city]
            branch = unit(code, f"{city}供电公司", UnitKind.BRANCH, region, f"{code} Power Supply Co.")
            branches[code] = branch
            for tcode, tname, kind in TEAMS:
                teams.append(unit(f"{code}-{tcode}", f"{city}{tname}", kind, branch))
    write(f"  {OrgUnit.objects.count()} org units")

    pw = make_password(DEMO_PASSWORD)
    users, staff = [], []
    n = 0
    for _team in teams:
        for _i in range(5):
            n += 1
            users.append(
                User(
                    username=f"s{n:04d}",
                    first_name=name(rng),
                    password=pw,
                    is_staff=True,
                    email=f"s{n:04d}@example.com",
                )
            )
    User.objects.bulk_create(users)
    users = list(User.objects.filter(username__startswith="s0").order_by("username"))
    for i, user in enumerate(users):
        team = teams[i // 5]
        staff.append(
            Staff(
                user=user,
                org_unit=team,
                name=user.first_name,
                employee_no=f"E{i + 1:05d}",
                position=POSITIONS[team.code.split("-", 1)[1]],
                phone=phone(rng),
                created_by=admin,
            )
        )
    Staff.objects.bulk_create(staff)
    RoleAssignment.objects.bulk_create(
        [RoleAssignment(user=s.user, role=Role.FRONTLINE, org_unit=s.org_unit) for s in staff]
    )
    from django.contrib.auth.models import Group

    Group.objects.get(name=f"sqms:{Role.FRONTLINE}").user_set.add(*users)

    def login(
        username: str, full: str, role: str, unit_: OrgUnit | None, staff_unit: OrgUnit, position: str
    ) -> None:
        user = User.objects.create_user(
            username, f"{username}@example.com", DEMO_PASSWORD, first_name=full, is_staff=True
        )
        Staff.objects.create(
            user=user,
            org_unit=staff_unit,
            name=full,
            employee_no=f"D-{username}",
            position=position,
            phone=phone(rng),
            created_by=admin,
        )
        assign_role(actor=admin, user=user, role=role, org_unit=unit_)

    qm = OrgUnit.objects.get(code="HQ-QM")
    login("quality", "周质量", Role.QUALITY_MANAGER, None, qm, "质量经理")
    login("manager", "陈经理", Role.UNIT_MANAGER, branches["SZ"], branches["SZ"], "苏州供电公司总经理")
    login(
        "agent",
        "林客服",
        Role.FRONTLINE,
        OrgUnit.objects.get(code="SZ-CC"),
        OrgUnit.objects.get(code="SZ-CC"),
        "客服代表",
    )
    login("auditor", "吴审核", Role.AUDITOR, regions["WEST"], qm, "内审员")
    login("exec", "郑总", Role.EXECUTIVE, None, hq, "分管副总经理")
    assign_role(actor=admin, user=admin, role=Role.SYSTEM_ADMIN, org_unit=None)
    branches["SZ"].manager = User.objects.get(username="manager")
    branches["SZ"].save(update_fields=["manager"])
    write(f"  {Staff.objects.count()} staff")

    count = 2000 if size == "small" else 20000
    customers = []
    for i in range(count):
        team = rng.choice(teams)
        branch = team.parent
        customers.append(
            Customer(
                name=name(rng)
                if rng.random() > 0.08
                else f"{branch.name[:-4]}{rng.choice(['机械', '纺织', '电子', '食品'])}有限公司",
                kind="individual",
                phone=phone(rng),
                email=f"c{i:05d}@example.com" if rng.random() < 0.4 else "",
                org_unit=branch,
                consent_survey=rng.random() < 0.9,
                consent_contact=rng.random() < 0.95,
                created_by=admin,
            )
        )
    for c in customers:
        if c.name.endswith("有限公司"):
            c.kind = "organisation"
    Customer.objects.bulk_create(customers, batch_size=2000)
    write(f"  {Customer.objects.count()} customers")

    matrix = {
        "P-CONSULT": "RACII",
        "P-NEWCONN": "RACII",
        "P-REPAIR": "RAICI",
        "P-BILLING": "RACII",
        "P-COMPLAINT": "ARRCI",
        "P-SURVEY": "ARCII",
    }
    roles = [Role.FRONTLINE, Role.UNIT_MANAGER, Role.QUALITY_MANAGER, Role.AUDITOR, Role.EXECUTIVE]
    for code, pname in PROCESSES:
        p = Process.objects.create(code=code, name=pname, owner_unit=None, created_by=admin)
        for role, letter in zip(roles, matrix[code], strict=True):
            Responsibility.objects.create(process=p, role=role, raci=letter)
