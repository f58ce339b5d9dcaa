"""Files of contacts as people bring them, generated: a spreadsheet's CSV with some bad rows, a vCard address book.

The CSV is what Excel saves in Russian: semicolons, cp1251, no byte-order mark. Every hundredth row
is bad in one of the ways such files are (a number that is no phone, an e-mail without a domain,
an empty name), and every hundredth (another one) repeats an earlier row's e-mail: the same person.
A name with markup is kept as the text it is.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HEADER = "ФИО;Телефон;E-mail;Компания;Должность"
FIRST = ("Иван", "Анна", "Пётр", "Мария", "Олег", "Елена", "Сергей", "Ольга", "Дмитрий", "Наталья", "Юрий", "Ирина")
LAST = ("Петров", "Смирнов", "Кузнецов", "Попов", "Волков", "Зайцев", "Соколов", "Лебедев", "Новиков", "Морозов")
LATIN = {
    "Иван": "ivan",
    "Анна": "anna",
    "Пётр": "petr",
    "Мария": "maria",
    "Олег": "oleg",
    "Елена": "elena",
    "Сергей": "sergey",
    "Ольга": "olga",
    "Дмитрий": "dmitry",
    "Наталья": "natalia",
    "Юрий": "yury",
    "Ирина": "irina",
}
DOMAINS = ("example.ru", "mail.example", "corp.example", "shop.example", "post.example", "inbox.example")
BAD_EVERY = 100
COMPANY_EVERY = 20  # rows per company
REPEATS = 4  # a repeated row has the e-mail of the row this many before


@dataclass
class ContactFile:
    """A generated CSV file and what importing it must give."""

    data: bytes
    rows: int
    bad_lines: dict[int, str] = field(default_factory=dict)  # line -> the column at fault
    repeated_lines: list[int] = field(default_factory=list)  # lines whose e-mail an earlier line has
    markup_lines: dict[int, str] = field(default_factory=dict)  # line -> the name as written

    @property
    def contacts(self) -> int:
        """How many contacts importing it creates."""
        return self.rows - len(self.bad_lines) - len(self.repeated_lines)


def phone(n: int) -> str:
    """A valid Russian mobile number, written as people do."""
    digits = f"{n:07d}"
    return f"+7 (916) {digits[:3]}-{digits[3:5]}-{digits[5:]}"


def person(n: int) -> str:
    """Row ``n``'s name: first and last names in turn, and a number, so that every name is another person's."""
    return f"{FIRST[n % len(FIRST)]} {LAST[n // len(FIRST) % len(LAST)]} {n}"


def email_of(n: int) -> str:
    """Row ``n``'s e-mail, at one of a few domains, as varied as real mailboxes."""
    first = FIRST[n % len(FIRST)]
    return f"{LATIN[first]}.{n * 7919 % 100_003:05d}.{n}@{DOMAINS[n // 7 % len(DOMAINS)]}"


def contact_csv(rows: int) -> ContactFile:
    """``rows`` data rows (line 1 is the header, so row ``n`` is on line ``n + 2``)."""
    made = ContactFile(b"", rows)
    lines = [HEADER]
    for n in range(rows):
        line = n + 2
        name, tel, mail = person(n), phone(n), email_of(n)
        kind = n % BAD_EVERY
        if n >= BAD_EVERY and kind == 1:
            tel, made.bad_lines[line] = "12-34", "Телефон"
        elif n >= BAD_EVERY and kind == 2:
            mail, made.bad_lines[line] = email_of(n).partition("@")[0] + "@", "E-mail"
        elif n >= BAD_EVERY and kind == 3:
            name, made.bad_lines[line] = "", "ФИО"
        elif n >= BAD_EVERY and kind == 4:
            tel, mail = phone(n), email_of(n - REPEATS)
            made.repeated_lines.append(line)
        elif kind == 5:
            name = f"<b>Анна</b> <script>alert({n})</script>"
            made.markup_lines[line] = name
        lines.append(f"{name};{tel};{mail};\u041e\u041e\u041e «Ромашка {n // COMPANY_EVERY}»;Менеджер")
    made.data = ("\r\n".join(lines) + "\r\n").encode("cp1251")
    return made


def card_email(name: str, n: int) -> str:
    """Card ``n``'s e-mail: no two so alike that they would be suggested as one person."""
    return f"{name}.{n * 7919 % 100_003:05d}@example.lv"


def vcards(count: int) -> bytes:
    """``count`` cards, versions 3.0 and 4.0 in turn, each with a name, phone, e-mail, company, title, note, address."""
    cards = []
    for n in range(count):
        if n % 2:
            cards.append(
                "BEGIN:VCARD\r\nVERSION:4.0\r\n"
                f"FN:Anna Berzina {n}\r\nN:Berzina;Anna;;;\r\n"
                f"TEL;VALUE=uri;TYPE=cell:tel:+3712{n:07d}\r\n"
                f"EMAIL;TYPE=work:{card_email('anna', n)}\r\nORG:Acme {n // COMPANY_EVERY};Sales\r\n"
                f"TITLE:Buyer\r\nNOTE:Met at the fair\\, booth {n}\r\n"
                f"ADR;TYPE=work:;;Brivibas {n};Riga;;LV-1010;Latvia\r\n"
                "END:VCARD\r\n"
            )
        else:
            cards.append(
                "BEGIN:VCARD\r\nVERSION:3.0\r\n"
                f"N:Ozols;Janis;;;\r\nFN:Janis Ozols {n}\r\n"
                f"TEL;TYPE=CELL:+3712{n:07d}\r\nEMAIL;TYPE=INTERNET:{card_email('janis', n)}\r\n"
                f"ORG:Acme {n // COMPANY_EVERY}\r\nTITLE:Engineer\r\nNOTE:Called twice\r\n"
                f"ADR;TYPE=WORK:;;Elizabetes {n};Riga;;LV-1050;Latvia\r\nEND:VCARD\r\n"
            )
    return "".join(cards).encode()
