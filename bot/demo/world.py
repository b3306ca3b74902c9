"""The demo's fictional sample world: about 300 invented people and a year of their work.

Everyone here is made up: names are built from syllables, handles from those names, addresses
are at example.org or GitHub's noreply domain. Organisations are real names, because a
hiring team thinks in them. The world is a pure function of its seed, and its "now" is fixed,
so the demo prints the same answers on every machine, every day.

The people follow the patterns a sourcer meets in real projects: maintainers named in
Maintainers.md/CODEOWNERS/MAINTAINERS who author and review steadily; reviewers who mostly
review; regular authors; drive-by authors of one or two small fixes; newcomers who ramp up in
the last weeks; people who went quiet months ago; and bots, which rankings must leave out.
"""

from __future__ import annotations

import random
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath

from bot.demo.github_server import Comment, Issue, PullRequest, Review, User, World
from bot.demo.topics import GITHUB_TOPICS, LINUX, LINUX_TOPICS, LLVM, TopicWork

NOW = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)  # a Monday morning: digest day
SEED = 2026
YEAR = timedelta(days=365)
ISO = "%Y-%m-%dT%H:%M:%SZ"
ALLOWED_EMAIL_DOMAINS = ("example.org", "example.com", "users.noreply.github.com")

ROLES = ("maintainer", "reviewer", "regular", "newcomer", "quiet", "drive-by")

# Syllables, so that no name or handle belongs to anyone real.
_FIRST = "ka lo mi re ta o be qui za do fe li ma ti vo se ny ga pe i ro su e an ul ze ha bo".split()  # noqa: SIM905
_LAST = "dor vem lin tar ost bel quin zar fen mar tis vol sel nyr gar pel ith rov kas ume".split()  # noqa: SIM905

# Where people say they are, as they write it on their profiles (some vague on purpose).
_PLACES: dict[str, float] = {
    "London, UK": 6,
    "London": 3,
    "Cambridge, UK": 4,
    "Cambridge": 1,  # Cambridge, England or Massachusetts? csf keeps it unknown
    "Cambridge, MA": 2,
    "Edinburgh, Scotland": 3,
    "Bristol, England": 2,
    "Zürich, Switzerland": 4,
    "Munich, Germany": 4,
    "Paris, France": 4,
    "Leuven, Belgium": 2,
    "Eindhoven, Netherlands": 2,
    "Warsaw, Poland": 3,
    "Bay Area": 5,
    "San Francisco, CA": 3,
    "Santa Clara, CA": 3,
    "Seattle, WA": 3,
    "Austin, TX": 2,
    "Bangalore, India": 4,
    "Beijing, China": 4,
    "Shanghai, China": 2,
    "Tokyo, Japan": 3,
    "Toronto, Canada": 2,
    "Earth": 1,
    "": 5,  # no location on the profile
}
_UNIVERSITIES = {
    "London": "Imperial College London",
    "Cambridge": "University of Cambridge",
    "Edinburgh": "University of Edinburgh",
    "Bristol": "University of Bristol",
    "Zürich": "ETH Zürich",
    "Munich": "TU Munich",
    "Paris": "Inria",
    "Leuven": "KU Leuven",
    "Eindhoven": "TU Eindhoven",
    "Warsaw": "University of Warsaw",
    "Bay Area": "UC Berkeley",
    "Seattle": "University of Washington",
    "Bangalore": "IISc Bangalore",
    "Beijing": "Tsinghua University",
    "Tokyo": "University of Tokyo",
    "Toronto": "University of Toronto",
}
_COMPANIES = {
    "mlir": ("Google", "AMD", "NVIDIA", "Arm", "Intel", "Huawei", "Codeplay", "Graphcore"),
    "llvm": ("Apple", "Arm", "Google", "Intel", "AMD", "Qualcomm", "SiFive", "Igalia", "Sony"),
    "tvm": ("Amazon", "Alibaba", "ByteDance", "AMD", "Qualcomm", "Arm"),
    "triton": ("AMD", "NVIDIA", "OpenAI", "Meta", "Microsoft", "Intel"),
    "xla": ("Google", "NVIDIA", "Intel", "AMD", "Apple"),
    "iree": ("AMD", "Google", "Cruise", "Intel", "Arm"),
    "linux": ("Red Hat", "SUSE", "Intel", "AMD", "Meta", "Google", "Collabora", "Igalia"),
}
_BIOS = (
    "Compiler engineer. {area}.",
    "Working on {area} by day, {hobby} by night.",
    "{area} · performance · {hobby}",
    "PhD student: {area}.",
    None,
)
_HOBBIES = ("bouldering", "sourdough", "chess", "trail running", "synths", "retro consoles")

_FIRST_NUMBERS = {"llvm/llvm-project": 118_000, "apache/tvm": 17_000, "triton-lang/triton": 5_600}
_BOTS = (
    ("dependabot[bot]", "Bot"),
    ("github-actions[bot]", "Bot"),
    ("llvmbot", "User"),  # a machine account of the LLVM project, not a person
    ("tvm-bot", "User"),
)


@dataclass
class SamplePerson:
    login: str
    name: str
    role: str  # one of ROLES, or "linux" for the kernel's mail-reviewed history
    topics: tuple[str, ...]  # home topic first
    location: str
    company: str | None
    email: str | None  # published on the profile
    git_email: str  # what their commits carry (kernel history)
    bio: str | None
    created_at: datetime


@dataclass(frozen=True)
class LinuxCommit:
    author: str  # login of the sample person
    when: datetime
    subject: str
    body: str
    files: tuple[str, ...]
    reviewers: tuple[str, ...]


@dataclass
class SampleWorld:
    seed: int
    now: datetime
    people: list[SamplePerson]
    github: World
    owners: dict[str, list[str]]  # topic -> logins named as its maintainers, in file order
    linux_commits: list[LinuxCommit] = field(default_factory=list)

    @property
    def repos(self) -> list[str]:
        """The repositories csf tracks for the demo."""
        return sorted(self.github.repos)

    def person(self, login: str) -> SamplePerson:
        return next(p for p in self.people if p.login == login)

    def maintainers(self, topic: str) -> list[str]:
        return list(self.owners.get(topic, []))


def build_world(seed: int = SEED, now: datetime = NOW) -> SampleWorld:
    """The sample world for `seed`: the same seed always gives the same world."""
    return _Builder(random.Random(seed), seed, now).build()


class _Builder:
    def __init__(self, rng: random.Random, seed: int, now: datetime) -> None:
        self.rng = rng
        self.seed = seed
        self.now = now
        self.people: list[SamplePerson] = []
        self.logins: set[str] = set()
        self.by_topic: dict[str, dict[str, list[str]]] = defaultdict(lambda: defaultdict(list))
        self.pulls: dict[str, list[PullRequest]] = defaultdict(list)
        self.issues: dict[str, list[Issue]] = defaultdict(list)
        self.comments: dict[str, list[tuple[int, str, datetime]]] = defaultdict(list)
        self.review_id = 5_000_000
        self.comment_id = 9_000_000

    # -- people -------------------------------------------------------------------------------

    def _name(self) -> tuple[str, str]:
        while True:
            first = "".join(self.rng.choice(_FIRST) for _ in range(2)).title()
            last = "".join(self.rng.choice(_LAST) for _ in range(self.rng.choice((2, 3)))).title()
            login = f"{first}-{last}".lower()
            if login not in self.logins and len(first) >= 3:
                self.logins.add(login)
                return f"{first} {last}", login

    def _place(self) -> str:
        places = list(_PLACES)
        weights = [_PLACES[p] for p in places]
        return self.rng.choices(places, weights)[0]

    def _person(
        self, role: str, topics: tuple[str, ...], *, location: str | None = None
    ) -> SamplePerson:
        name, login = self._name()
        ecosystem = topics[0].split(".")[0]
        where = location if location is not None else self._place()
        city = where.split(",")[0]
        student = role in ("newcomer", "drive-by") and self.rng.random() < 0.35
        if (student or self.rng.random() < 0.1) and city in _UNIVERSITIES:
            company: str | None = _UNIVERSITIES[city]
        elif self.rng.random() < 0.8:
            company = self.rng.choice(_COMPANIES[ecosystem])
        else:
            company = None
        roll = self.rng.random()
        email = (
            f"{login}@example.org"
            if roll < 0.35
            else f"{login}@users.noreply.github.com"
            if roll < 0.55
            else None
        )
        area = topics[0].split(".")[1].replace("_", " ")
        template = self.rng.choice(_BIOS)
        bio = template.format(area=area, hobby=self.rng.choice(_HOBBIES)) if template else None
        if role == "newcomer":
            created = self.now - timedelta(days=self.rng.randint(60, 500))
        else:
            created = self.now - timedelta(days=self.rng.randint(900, 5000))
        person = SamplePerson(
            login=login,
            name=name,
            role=role,
            topics=topics,
            location=where,
            company=company,
            email=email,
            git_email=f"{login}@example.org",
            bio=bio,
            created_at=created,
        )
        self.people.append(person)
        for topic in topics:
            self.by_topic[topic][role].append(login)
        return person

    def _other_topic(self, home: TopicWork, pool: tuple[TopicWork, ...]) -> str:
        return self.rng.choice([t.topic for t in pool if t.topic != home.topic])

    def _cast(self) -> None:
        """Who works where: a roster per topic, then the people between topics."""
        for work in GITHUB_TOPICS + LINUX_TOPICS:
            pool = LINUX_TOPICS if work.repo == LINUX else GITHUB_TOPICS
            roster = (
                ["maintainer"] * (2 if work.big else 1)
                + ["reviewer"] * 2
                + ["regular"] * (3 if work.big else 2)
            )
            for index, role in enumerate(roster):
                topics: tuple[str, ...] = (work.topic,)
                if role != "maintainer" and self.rng.random() < 0.3:
                    topics += (self._other_topic(work, pool),)  # cross-stack people
                pinned = _PINNED.get((work.topic, role, index))
                self._person(role, topics, location=pinned)
        for role, count in (("newcomer", 14), ("quiet", 14), ("drive-by", 34)):
            for index in range(count):
                work = (
                    _NEWCOMER_TOPICS[index]
                    if role == "newcomer" and index < len(_NEWCOMER_TOPICS)
                    else self.rng.choice(GITHUB_TOPICS)
                )
                pinned = _PINNED.get((work.topic, role, index))
                self._person(role, (work.topic,), location=pinned)

    # -- work ---------------------------------------------------------------------------------

    def _when(self, role: str) -> datetime:
        """When someone in this role did a piece of work, within the last year."""
        if role == "newcomer":
            days = self.rng.uniform(0.5, 35)
        elif role == "quiet":
            days = self.rng.uniform(200, 364)
        else:
            days = self.rng.uniform(0.5, 364)
        return self.now - timedelta(days=days)

    def _pull_count(self, role: str) -> int:
        low, high = {
            "maintainer": (16, 26),
            "reviewer": (4, 9),
            "regular": (8, 15),
            "newcomer": (3, 6),
            "quiet": (6, 12),
            "drive-by": (1, 2),
        }[role]
        return self.rng.randint(low, high)

    def _reviewers(self, work: TopicWork, author: str) -> list[str]:
        roster = self.by_topic[work.topic]
        weighted = [(login, 5.0) for login in roster["maintainer"]]
        weighted += [(login, 3.0) for login in roster["reviewer"]]
        weighted += [(login, 0.5) for login in roster["regular"]]
        weighted = [(login, w) for login, w in weighted if login != author]
        if not weighted:
            return []
        chosen: list[str] = []
        for _ in range(self.rng.choice((1, 1, 2, 2, 3))):
            logins = [login for login, _ in weighted if login not in chosen]
            if not logins:
                break
            weights = [w for login, w in weighted if login not in chosen]
            chosen.append(self.rng.choices(logins, weights)[0])
        return chosen

    def _pull(self, person: SamplePerson, work: TopicWork) -> None:
        rng = self.rng
        created = self._when(person.role)
        if person.role == "drive-by":
            files = [rng.choice(work.paths)]
            additions, deletions = rng.randint(1, 6), rng.randint(0, 3)
        else:
            files = rng.sample(work.paths, rng.randint(1, min(3, len(work.paths))))
            if work.tests and rng.random() < 0.7:
                files.append(rng.choice(work.tests))
            scale = 2.0 if person.role == "maintainer" else 1.0
            additions = int(rng.randint(25, 320) * scale)
            deletions = rng.randint(0, additions // 2)
        title = f"{work.prefix} {_subject(rng, work, files)}"
        roll = rng.random()
        state = "MERGED" if roll < 0.86 else "OPEN" if roll < 0.95 else "CLOSED"
        done = min(created + timedelta(hours=rng.uniform(3, 120)), self.now - timedelta(hours=1))
        done = max(done, created + timedelta(minutes=30))
        reviews = []
        for reviewer in self._reviewers(work, person.login):
            submitted = created + (done - created) * rng.uniform(0.2, 0.95)
            state_weights = (0.6, 0.25, 0.15)
            review_state = rng.choices(
                ("APPROVED", "COMMENTED", "CHANGES_REQUESTED"), state_weights
            )[0]
            self.review_id += 1
            reviews.append(Review(self.review_id, reviewer, review_state, submitted.strftime(ISO)))
        self.pulls[work.repo].append(
            PullRequest(
                number=0,  # numbered once the repository's history is complete
                title=title,
                author=person.login,
                created_at=created.strftime(ISO),
                updated_at=done.strftime(ISO),
                state=state,
                merged_at=done.strftime(ISO) if state == "MERGED" else None,
                closed_at=done.strftime(ISO) if state != "OPEN" else None,
                additions=additions,
                deletions=deletions,
                files=files,
                labels=list(work.labels),
                reviews=reviews,
            )
        )

    def _issues(self, work: TopicWork) -> None:
        """Bug reports from anyone, RFCs from maintainers, and the discussion under them."""
        rng = self.rng
        roster = self.by_topic[work.topic]
        everyone = [login for logins in roster.values() for login in logins]
        triagers = roster["maintainer"] + roster["reviewer"]
        threads: list[tuple[str, str, datetime]] = []
        for _ in range(rng.randint(3, 7)):
            author = rng.choice(everyone)
            when = self.now - timedelta(days=rng.uniform(1, 360))
            threads.append((author, f"{work.prefix} {rng.choice(_BUGS)}", when))
        for maintainer in roster["maintainer"]:
            when = self.now - timedelta(days=rng.uniform(20, 300))
            threads.append((maintainer, f"[RFC] {rng.choice(work.subjects)}", when))
        for author, title, when in threads:
            closed = rng.random() < 0.6
            self.issues[work.repo].append(
                Issue(
                    number=0,
                    title=title,
                    author=author,
                    created_at=when.strftime(ISO),
                    updated_at=when.strftime(ISO),
                    state="closed" if closed else "open",
                    closed_at=(when + timedelta(days=3)).strftime(ISO) if closed else None,
                    labels=list(work.labels),
                )
            )
            issue_index = len(self.issues[work.repo]) - 1
            for _ in range(rng.randint(1, 4)):
                commenter = rng.choice(triagers or everyone)
                said = min(when + timedelta(hours=rng.uniform(1, 200)), self.now)
                self.comments[work.repo].append((issue_index, commenter, said))

    def _bots(self, world: World) -> None:
        for login, kind in _BOTS:
            world.users[login] = User(login, type=kind)
        for repo in (p for p in self.pulls if p != LLVM):
            for month in range(12):
                when = self.now - timedelta(days=30 * month + 3)
                self.pulls[repo].append(
                    PullRequest(
                        number=0,
                        title="Bump actions/checkout from 4 to 5",
                        author="dependabot[bot]",
                        created_at=when.strftime(ISO),
                        updated_at=(when + timedelta(hours=6)).strftime(ISO),
                        merged_at=(when + timedelta(hours=6)).strftime(ISO),
                        closed_at=(when + timedelta(hours=6)).strftime(ISO),
                        additions=1,
                        deletions=1,
                        files=[".github/workflows/ci.yml"],
                    )
                )
        for index in range(0, len(self.issues[LLVM]), 3):  # llvmbot pings the area's team
            opened = datetime.strptime(self.issues[LLVM][index].created_at, ISO)
            self.comments[LLVM].append((index, "llvmbot", opened.replace(tzinfo=UTC)))

    def _number(self, world: World) -> None:
        """GitHub numbers PRs and issues in one sequence, in order of creation."""
        for repo in sorted(set(self.pulls) | set(self.issues)):
            target = world.repo(repo)
            items: list[PullRequest | Issue] = [*self.pulls[repo], *self.issues[repo]]
            items.sort(key=lambda item: (item.created_at, item.title, str(item.author)))
            first = _FIRST_NUMBERS.get(repo, 20_000)
            for offset, item in enumerate(items):
                item.number = first + offset
            target.pulls = list(self.pulls[repo])
            target.issues = list(self.issues[repo])
            for issue_index, author, said in self.comments[repo]:
                issue = self.issues[repo][issue_index]
                self.comment_id += 1
                target.comments.append(
                    Comment(
                        self.comment_id,
                        issue.number,
                        author,
                        said.strftime(ISO),
                        said.strftime(ISO),
                    )
                )

    # -- owners -------------------------------------------------------------------------------

    def _owner_files(self, world: World) -> dict[str, list[str]]:
        owners = {
            work.topic: list(self.by_topic[work.topic]["maintainer"])
            for work in GITHUB_TOPICS + LINUX_TOPICS
        }
        by_login = {p.login: p for p in self.people}
        markdown: dict[str, list[str]] = defaultdict(list)
        codeowners: dict[str, list[str]] = defaultdict(list)
        for work in GITHUB_TOPICS:
            people = [by_login[login] for login in owners[work.topic]]
            if work.repo == LLVM:
                folder = work.topic.split(".")[0]
                lines = [f"### {work.area}", ""]
                for person in people:
                    contact = person.email or f"{person.login}@example.org"
                    lines += [
                        f"{person.name} \\",
                        f"{contact} (email), [{person.login}](https://github.com/{person.login})"
                        " (GitHub)",
                        "",
                    ]
                markdown[folder] += lines
            else:
                handles = " ".join(f"@{p.login}" for p in people)
                codeowners[work.repo] += [f"# {work.area}"]
                codeowners[work.repo] += [f"{pattern} {handles}" for pattern in work.owns]
        for folder, lines in markdown.items():
            title = {"mlir": "MLIR", "llvm": "LLVM"}[folder]
            intro = [
                f"# {title} Maintainers",
                "",
                "This file is a list of the maintainers of the sample world's "
                f"{title}. Every name here is fictional.",
                "",
            ]
            world.repo(LLVM).files[f"{folder}/Maintainers.md"] = "\n".join(intro + lines)
        for repo, lines in codeowners.items():
            header = ["# Fictional owners of the sample world.", ""]
            world.repo(repo).files[".github/CODEOWNERS"] = "\n".join(header + lines) + "\n"
        for served in world.repos.values():
            served.files.setdefault("README.md", f"# {served.full_name} (sample world)\n")
        return owners

    def _linux(self, world: SampleWorld) -> None:
        """The kernel's year as commits with Reviewed-by/Acked-by trailers, and MAINTAINERS."""
        rng = self.rng
        by_login = {p.login: p for p in self.people}
        sections = []
        for work in LINUX_TOPICS:
            roster = self.by_topic[work.topic]
            maintainers = [by_login[login] for login in roster["maintainer"]]
            reviewers = [by_login[login] for login in roster["reviewer"]]
            lines = [work.area]
            lines += [f"M:\t{p.name} <{p.git_email}>" for p in maintainers]
            lines += [f"R:\t{p.name} <{p.git_email}>" for p in reviewers]
            lines += ["S:\tMaintained"]
            folders = sorted({path.rsplit("/", 1)[0] + "/" for path in work.paths})
            lines += [f"F:\t{folder}" for folder in folders]
            sections.append("\n".join(lines))
            authors = [login for logins in roster.values() for login in logins]
            for author in authors:
                person = by_login[author]
                for _ in range(self._pull_count(person.role)):
                    chosen = [
                        r
                        for r in roster["maintainer"] + roster["reviewer"]
                        if r != author and rng.random() < 0.45
                    ]
                    files = tuple(rng.sample(work.paths, rng.randint(1, len(work.paths))))
                    world.linux_commits.append(
                        LinuxCommit(
                            author=author,
                            when=self._when(person.role),
                            subject=f"{work.prefix} {_subject(rng, work, files)}",
                            body="Fictional change in the csf sample world.",
                            files=files,
                            reviewers=tuple(chosen),
                        )
                    )
        world.linux_commits.sort(key=lambda c: (c.when, c.subject, c.author))
        # The kernel's mirror on GitHub has no PRs to read, but its MAINTAINERS names owners.
        world.github.repo(LINUX).files["MAINTAINERS"] = (
            "List of fictional maintainers of the csf sample world\n\n"
            + "\n\n".join(sections)
            + "\n"
        )

    # -- all together -------------------------------------------------------------------------

    def build(self) -> SampleWorld:
        self._cast()
        github = World()
        by_work = {work.topic: work for work in GITHUB_TOPICS}
        for person in self.people:
            if person.topics[0] not in by_work:
                continue
            home = by_work[person.topics[0]]
            away = by_work.get(person.topics[1]) if len(person.topics) > 1 else None
            for _ in range(self._pull_count(person.role)):
                work = away if away is not None and self.rng.random() < 0.25 else home
                self._pull(person, work)
        for work in GITHUB_TOPICS:
            self._issues(work)
        self._bots(github)
        self._number(github)
        for person in self.people:
            github.users[person.login] = User(
                person.login,
                name=person.name,
                location=person.location or None,
                company=person.company,
                email=person.email,
                bio=person.bio,
                created_at=person.created_at.strftime(ISO),
            )
        owners = self._owner_files(github)
        world = SampleWorld(self.seed, self.now, self.people, github, owners)
        self._linux(world)
        return world


def _subject(rng: random.Random, work: TopicWork, files: Sequence[str]) -> str:
    """A believable change title: the area's own headline work, everyday changes to the files
    the change touches, and now and then a follow-up (a reland, a part two, a clean-up) of
    headline work, as real history has them."""
    roll = rng.random()
    if roll < 0.25:
        return rng.choice(work.subjects)
    if roll < 0.92:
        sources = [f for f in files if f in work.paths] or list(files)
        unit = PurePosixPath(rng.choice(sources)).stem
        return rng.choice(_CHANGES).format(
            unit=unit, case=rng.choice(_CASES), fault=rng.choice(_FAULTS)
        )
    return rng.choice(_FOLLOW_UPS).format(rng.choice(work.subjects), rng.randint(2, 3))


_CHANGES = (
    "Fix {fault} in {unit}",
    "Fix {fault} in {unit} with {case}",
    "Handle {case} in {unit}",
    "Support {case} in {unit}",
    "Simplify {unit}",
    "Split {unit} into smaller helpers",
    "Speed up {unit} on large inputs",
    "Add tests for {case} in {unit}",
    "Verify {case} in {unit}",
    "Remove dead code from {unit}",
    "Document the invariants of {unit}",
    "Avoid needless copies in {unit}",
    "Cache repeated lookups in {unit}",
    "Improve diagnostics in {unit}",
    "Make {unit} deterministic",
    "Reject {case} in {unit} with a clear error",
)
_FAULTS = (
    "a crash on empty inputs",
    "an off-by-one in bounds checks",
    "a use-after-free",
    "a null dereference",
    "an assertion on valid input",
    "wrong results with negative strides",
    "an integer overflow",
    "a wrong insertion point",
    "a race in lazy initialisation",
)
_CASES = (
    "dynamic shapes",
    "zero-sized tensors",
    "bf16",
    "fp8",
    "i1 values",
    "nested regions",
    "multiple results",
    "unranked types",
    "large strides",
    "non-default address spaces",
    "scalar operands",
    "mixed precision",
)
_FOLLOW_UPS = (
    "{0} (part {1})",
    'Reland "{0}"',
    '[NFC] Clean up after "{0}"',
)
_BUGS = (
    "Crash with assertion `isa<X>(Val)` on valid input",
    "Miscompile at -O2 after recent change",
    "Compile time regression on large models",
    "Wrong results for fp16 inputs",
    "Verifier error after canonicalization",
    "Flaky test on Windows builders",
)

# Where the demo's second question looks (triton.amd, UK): enough people there to show.
_PINNED: dict[tuple[str, str, int], str] = {
    ("triton.amd", "maintainer", 1): "Cambridge, UK",
    ("triton.amd", "reviewer", 2): "London, UK",
    ("triton.amd", "regular", 4): "Edinburgh, Scotland",
    ("triton.amd", "regular", 5): "Cambridge",  # ambiguous: stays out of the UK pool
    ("triton.amd", "newcomer", 1): "Bristol, England",
    ("mlir.bufferization", "maintainer", 0): "Zürich, Switzerland",
    ("mlir.bufferization", "maintainer", 1): "Edinburgh, Scotland",
    ("mlir.bufferization", "newcomer", 0): "London",
}
_NEWCOMER_TOPICS = tuple(
    work
    for key in ("mlir.bufferization", "triton.amd", "llvm.riscv", "iree.llvmgpu", "xla.gpu")
    for work in GITHUB_TOPICS
    if work.topic == key
)
