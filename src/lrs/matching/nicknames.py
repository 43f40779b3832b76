"""British and Welsh given-name equivalences: formal names, short forms and spelling variants.

The table serves the search tip "try searching using their preferred or nickname as the Given
Name" (user guide, Appendix B). Two names are variants when they share a group, so a short form
used for several names (Alex, Chris, Sam, Jo, Ed, Fred, Nell...) sits in every group it serves,
while the formal names themselves stay apart: Alexander and Alexandra share "alex" but are not
variants of each other, which keeps a brother and a sister (often twins) distinct.

Cognates that are separate names in everyday use are left out on purpose: Siân is the Welsh form
of Jane and Ian the Scottish form of John, but nobody called Siân is registered as Jane, and a
group that claimed so would make a sister look like a spelling of her twin.

How to extend: add a line to ``_GROUPS`` (or names to an existing line). The first word is the
group's id, used in blocking keys, so never rename an id in place: stored keys would go stale
until learners are re-keyed. Write names in lower case, without accents, spaces or hyphens (as
``compact_name`` returns them). ``tests/matching/test_nicknames.py`` checks the table's shape.
"""

from __future__ import annotations

from lrs.matching.normalise import compact_name, name_tokens

__all__ = ["NICKNAME_GROUPS", "are_name_variants", "given_name_keys"]

_GROUPS: tuple[str, ...] = (
    # Boys' and men's names (English)
    "robert rob robbie robby bob bobby bobbie bert rab rabbie",
    "william will willie willy bill billy billie liam wil wills",
    "john jon johnny jonny jack jackie johnnie",
    "jonathan jon jonny jonnie johnathan jonathon johnathon",
    "james jim jimmy jimmie jamie jem jas",
    "thomas tom tommy tommie thom tomos twm",
    "michael mike mick micky mickey mikey mich",
    "christopher chris kristopher christoffer kit topher",
    "christian chris kristian",
    "nicholas nick nicky nico nicolas nickolas",
    "daniel dan danny dannie",
    "joseph joe joey jo jos",
    "henry harry hal hank hen",
    "harold harry hal",
    "harrison harry",
    "edward ed eddie eddy ted teddy ned",
    "edmund ed eddie ted ned edmond",
    "edwin ed eddie",
    "theodore theo ted teddy",
    "charles charlie chas chaz chuck",
    "frederick fred freddie freddy fredrick frederic",
    "alfred alf alfie fred freddie",
    "wilfred wilf fred freddie wilfrid",
    "oliver ollie olly noll",
    "alexander alex alec alick sandy xander sasha lex alexandre",
    "anthony tony antony ant",
    "matthew matt matty mathew",
    "andrew andy drew",
    "stephen steve steven stevie stephan stefan steffan",
    "benjamin ben benji benny benjy",
    "zachary zach zack zac zak zachariah",
    "joshua josh",
    "richard rick ricky rich richie dick dicky",
    "geoffrey geoff jeff jeffrey jeffery",
    "gareth gaz",
    "gary gaz",
    "samuel sam sammy",
    "nathaniel nathan nat nate",
    "nathan nate nat",
    "philip phil pip phillip filip",
    "patrick pat paddy",
    "peter pete",
    "ronald ron ronnie",
    "donald don donny donnie",
    "raymond ray",
    "reginald reg reggie",
    "roger rodge",
    "rodney rod roddy",
    "roderick rod roddy",
    "simon si",
    "stanley stan",
    "terence terry terrence terrance",
    "timothy tim timmy",
    "vincent vince vinny vinnie",
    "walter walt wally",
    "arthur art artie",
    "albert al albie bert bertie",
    "alan al alun allan allen",
    "alistair ali al alasdair alastair",
    "archibald archie archy",
    "francis frank frankie fran",
    "george georgie geordie",
    "gerald gerry jerry ged",
    "jeremy jerry jez",
    "kenneth ken kenny",
    "lawrence laurence larry laurie lol",
    "leonard len lenny leo",
    "leon leo",
    "martin marty",
    "maximilian max maxi",
    "maxwell max",
    "mitchell mitch",
    "sebastian seb bastian",
    "tobias toby",
    "jacob jake jakob",
    "isaac ike izaak isaak",
    "gabriel gabe",
    "gregory greg",
    "dominic dom dominick",
    "douglas doug dougie",
    "duncan dunc",
    "callum calum cal",
    "cameron cam",
    "connor conor",
    "declan dec",
    "finley finlay finn fin",
    "elliot elliott eliot",
    "kieran kieron ciaran",
    "mark marc",
    "marcus marc",
    "stuart stewart stu",
    "spencer spence",
    "reuben ruben",
    "oscar ozzy ossie",
    "aidan aiden ayden aden",
    "mohammed muhammad mohammad mohamed muhammed mohamad mohammod mo",
    "ahmed ahmad",
    "hugh hughie huw",
    "ian iain",
    "louis lewis lou",
    "bernard bernie",
    "cecil cec",
    "clifford cliff",
    "clement clem",
    "cuthbert cuddy bert",
    "herbert herb bert bertie",
    "howard howie",
    "jerome jerry",
    "joel joe",
    "julian jules",
    "leslie les",
    "malcolm mal",
    "montague monty",
    "norman norm",
    "percival percy",
    "quentin quin",
    "randolph randy",
    "rupert ru",
    "solomon sol",
    "sidney sid sydney",
    "thaddeus thad",
    "victor vic",
    "wesley wes",
    # Welsh boys' and men's names
    "david dafydd dai dewi dave davy davey deio",
    "ieuan ifan iwan ioan evan ianto",
    "gwilym gwil wil",
    "llywelyn llewelyn llewellyn llew lyn llywelin",
    "rhodri rhod",
    "rhys rees reece reese",
    "owain owen",
    "gruffydd gruffudd griffith griff guto",
    "iorwerth iolo",
    "trefor trevor trev",
    "hywel howel howell",
    "gethin geth",
    "bryn brynmor",
    "meirion mei",
    "aneurin nye",
    "cadwaladr cadwal",
    "geraint ger",
    "glyn glynn",
    "macsen max",
    # Girls' and women's names (English)
    "elizabeth beth betty bet betsy bess bessie eliza elisabeth liz lizzie lizzy libby lisa elsie",
    "catherine cath cathy kate katie katy kat kitty kay kathryn katherine katharine kathleen "
    "cathryn catrin cadi kath kathy",
    "margaret maggie meg peggy peg madge marge margie mared marged",
    "megan meg meggie meghan",
    "mary molly polly may mae mamie maria mair mari",
    "alexandra alex alexa sandy sandra lexi lexie sasha",
    "sandra sandy sandie sandi",
    "samantha sam sammy sammie",
    "christine chris chrissie christina kristina tina kirsty",
    "kirsten kirsty kirstie",
    "charlotte charlie lottie lotte char",
    "olivia liv livvy livia ollie",
    "isabel isabella isabelle isobel izzy izzie issy bella belle isabell",
    "abigail abbie abby abi gail",
    "rebecca becky becca bex beckie rebekah",
    "jessica jess jessie jessy",
    "eleanor elinor ellie elly nell nellie nora leonora eleanora",
    "helen helena nell nellie ellen",
    "joanne jo joanna joann joan joanie",
    "josephine jo josie joey",
    "jennifer jenny jen jenni",
    "jacqueline jackie jacqui jacky",
    "patricia pat patty tricia trish patsy",
    "philippa pippa pip phil",
    "victoria vicky vicki vickie tori vic",
    "susan sue susie suzy suzanne susanne susannah suki",
    "theresa teresa tess tessa terri",
    "deborah debbie deb debra debby",
    "dorothy dot dottie dolly dora",
    "florence flo florrie flossie",
    "gillian jillian gill jill gilly",
    "harriet hattie",
    "imogen immy imo",
    "judith judy jude",
    "julia julie jules juliet",
    "louise louisa lou lulu",
    "madeleine madeline madelyn maddie maddy",
    "matilda tilly tillie tilda maud",
    "melanie mel",
    "melissa mel missy",
    "michelle shelley chelle",
    "natalie nat nattie natalia",
    "pamela pam",
    "penelope penny pen",
    "rachel rach rachael",
    "rosemary rose rosie romy",
    "rosalind ros roz rosie",
    "rose rosie rosa",
    "ruth ruthie",
    "sarah sara sally sadie",
    "sophie sophia sofia soph",
    "stephanie steph stef stevie",
    "valerie val",
    "vivian viv vivienne",
    "winifred winnie win",
    "yvonne vonnie",
    "amanda mandy manda",
    "amelia millie milly",
    "emily em emmy millie milly",
    "emma em emmy",
    "amy aimee amie",
    "angela angie ange",
    "antonia toni",
    "barbara barb babs",
    "beatrice bea trixie beattie",
    "bridget bridie biddy bridgette",
    "caroline carol carrie caro carolyn",
    "claire clare clara",
    "diana diane di",
    "esther essie",
    "evelyn eve evie eva",
    "eve evie eva",
    "gemma jemma",
    "georgina georgia georgie gina",
    "grace gracie",
    "lillian lilian lily lilly lillie",
    "lily lilly lillie lili",
    "lucy lucie lucia luce",
    "zoe zoey zoee",
    "chloe cloe",
    "danielle dani",
    "gabrielle gabby gabriella gabi",
    "nicola nicky nikki nicki",
    "frances fran frankie fanny",
    "hannah hanna",
    "ann anne anna annie nan nancy",
    "alison allison ali ally",
    "alice ally allie",
    "laura lori laurie",
    "lydia liddy",
    "veronica ronnie",
    "cassandra cass cassie",
    "katrina trina kat",
    "kimberley kimberly kim",
    "jane janey jayne",
    "janet jan janette",
    "marion marian marianne",
    "teagan tegan",
    # Welsh girls' and women's names
    "gwendolen gwendoline gwendolyn gwen gwenda",
    "gwenllian gwen",
    "gwyneth gwen",
    "bethan beth",
    "bronwen bron bronwyn",
    "carys cerys",
    "rhiannon rhi",
    "rhian rhi",
    "myfanwy myf",
    "ffion fion",
    "tegwen teg",
)


def _build() -> tuple[dict[str, frozenset[str]], dict[str, frozenset[str]]]:
    """Index the table both ways: group id -> names, and name -> group ids."""
    groups: dict[str, frozenset[str]] = {}
    index: dict[str, set[str]] = {}
    for line in _GROUPS:
        names = line.split()
        group_id = names[0]
        groups[group_id] = groups.get(group_id, frozenset()) | frozenset(names)
        for name in names:
            index.setdefault(name, set()).add(group_id)
    return groups, {name: frozenset(ids) for name, ids in index.items()}


NICKNAME_GROUPS, _NAME_INDEX = _build()


def given_name_keys(name: str) -> frozenset[str]:
    """Return the ids of the groups ``name`` belongs to; empty when it is in none.

    The whole name and each of its words are looked up, so "Mary-Jane" belongs to the groups of
    both Mary and Jane.
    """
    keys: frozenset[str] = frozenset()
    for token in (compact_name(name), *name_tokens(name)):
        found = _NAME_INDEX.get(token)
        if found:
            keys |= found
    return keys


def are_name_variants(first: str, second: str) -> bool:
    """Tell whether two given names are the same name or variants of one name (Bob, Robert)."""
    first_compact = compact_name(first)
    if first_compact and first_compact == compact_name(second):
        return True
    return bool(given_name_keys(first) & given_name_keys(second))
