"""Three-digit local authority (LA) numbers recognised in characters 2-4 of a UPN.

Source: the DfE Children in Need census validation rule 1530 ("UPN invalid (characters 2-4 not a
recognised LA code)"), which requires "a valid post April 1998 LA code or a recognised 'pseudo LA'
code" and lists the ranges 001-005, 201-213, 301-320, 330-336, 340-344, 350-359, 370-373, 380-384,
390-394, 420, 660-681, 701-708, 800-803, 805-808, 810-813, 815, 816, 820-823, 825, 826, 830, 831,
835-839, 840, 841, 845, 846, 850-852, 855-857, 860, 861, 865-896, 908, 909, 916, 919, 921, 925,
926, 928, 929, 931, 933, 935-938, 940, 941 (as reproduced in the SocialFinanceDigitalLabs CIN
validator). 942 Cumberland and 943 Westmorland and Furness were added by DfE when Cumbria was split
in April 2023, after that list was written.

Codes of abolished authorities stay recognised on purpose: a UPN is kept for life, so pupils
numbered by, say, Bedfordshire (820) before 2009 still carry that code. The English names are
informational only (from the DfE "Get Information about Schools" LA list, written from memory).
"""

from collections.abc import Mapping
from types import MappingProxyType
from typing import Final

__all__ = [
    "ENGLISH_LA_CODES",
    "PSEUDO_LA_CODES",
    "RECOGNISED_LA_CODES",
    "WELSH_LA_CODES",
]

ENGLISH_LA_CODES: Final[Mapping[str, str]] = MappingProxyType(
    {
        # Inner London
        "201": "City of London",
        "202": "Camden",
        "203": "Greenwich",
        "204": "Hackney",
        "205": "Hammersmith and Fulham",
        "206": "Islington",
        "207": "Kensington and Chelsea",
        "208": "Lambeth",
        "209": "Lewisham",
        "210": "Southwark",
        "211": "Tower Hamlets",
        "212": "Wandsworth",
        "213": "Westminster",
        # Outer London
        "301": "Barking and Dagenham",
        "302": "Barnet",
        "303": "Bexley",
        "304": "Brent",
        "305": "Bromley",
        "306": "Croydon",
        "307": "Ealing",
        "308": "Enfield",
        "309": "Haringey",
        "310": "Harrow",
        "311": "Havering",
        "312": "Hillingdon",
        "313": "Hounslow",
        "314": "Kingston upon Thames",
        "315": "Merton",
        "316": "Newham",
        "317": "Redbridge",
        "318": "Richmond upon Thames",
        "319": "Sutton",
        "320": "Waltham Forest",
        # Metropolitan boroughs
        "330": "Birmingham",
        "331": "Coventry",
        "332": "Dudley",
        "333": "Sandwell",
        "334": "Solihull",
        "335": "Walsall",
        "336": "Wolverhampton",
        "340": "Knowsley",
        "341": "Liverpool",
        "342": "St. Helens",
        "343": "Sefton",
        "344": "Wirral",
        "350": "Bolton",
        "351": "Bury",
        "352": "Manchester",
        "353": "Oldham",
        "354": "Rochdale",
        "355": "Salford",
        "356": "Stockport",
        "357": "Tameside",
        "358": "Trafford",
        "359": "Wigan",
        "370": "Barnsley",
        "371": "Doncaster",
        "372": "Rotherham",
        "373": "Sheffield",
        "380": "Bradford",
        "381": "Calderdale",
        "382": "Kirklees",
        "383": "Leeds",
        "384": "Wakefield",
        "390": "Gateshead",
        "391": "Newcastle upon Tyne",
        "392": "North Tyneside",
        "393": "South Tyneside",
        "394": "Sunderland",
        "420": "Isles of Scilly",
        # Counties and unitary authorities
        "800": "Bath and North East Somerset",
        "801": "Bristol, City of",
        "802": "North Somerset",
        "803": "South Gloucestershire",
        "805": "Hartlepool",
        "806": "Middlesbrough",
        "807": "Redcar and Cleveland",
        "808": "Stockton-on-Tees",
        "810": "Kingston upon Hull, City of",
        "811": "East Riding of Yorkshire",
        "812": "North East Lincolnshire",
        "813": "North Lincolnshire",
        "815": "North Yorkshire",
        "816": "York",
        "820": "Bedfordshire (abolished 2009)",
        "821": "Luton",
        "822": "Bedford",
        "823": "Central Bedfordshire",
        "825": "Buckinghamshire",
        "826": "Milton Keynes",
        "830": "Derbyshire",
        "831": "Derby",
        "835": "Dorset (abolished 2019)",
        "836": "Poole (abolished 2019)",
        "837": "Bournemouth (abolished 2019)",
        "838": "Dorset",
        "839": "Bournemouth, Christchurch and Poole",
        "840": "County Durham",
        "841": "Darlington",
        "845": "East Sussex",
        "846": "Brighton and Hove",
        "850": "Hampshire",
        "851": "Portsmouth",
        "852": "Southampton",
        "855": "Leicestershire",
        "856": "Leicester",
        "857": "Rutland",
        "860": "Staffordshire",
        "861": "Stoke-on-Trent",
        "865": "Wiltshire",
        "866": "Swindon",
        "867": "Bracknell Forest",
        "868": "Windsor and Maidenhead",
        "869": "West Berkshire",
        "870": "Reading",
        "871": "Slough",
        "872": "Wokingham",
        "873": "Cambridgeshire",
        "874": "Peterborough",
        "875": "Cheshire (abolished 2009)",
        "876": "Halton",
        "877": "Warrington",
        "878": "Devon",
        "879": "Plymouth",
        "880": "Torbay",
        "881": "Essex",
        "882": "Southend-on-Sea",
        "883": "Thurrock",
        "884": "Herefordshire",
        "885": "Worcestershire",
        "886": "Kent",
        "887": "Medway",
        "888": "Lancashire",
        "889": "Blackburn with Darwen",
        "890": "Blackpool",
        "891": "Nottinghamshire",
        "892": "Nottingham",
        "893": "Shropshire",
        "894": "Telford and Wrekin",
        "895": "Cheshire East",
        "896": "Cheshire West and Chester",
        "908": "Cornwall",
        "909": "Cumbria (abolished 2023)",
        "916": "Gloucestershire",
        "919": "Hertfordshire",
        "921": "Isle of Wight",
        "925": "Lincolnshire",
        "926": "Norfolk",
        "928": "Northamptonshire (abolished 2021)",
        "929": "Northumberland",
        "931": "Oxfordshire",
        "933": "Somerset",
        "935": "Suffolk",
        "936": "Surrey",
        "937": "Warwickshire",
        "938": "West Sussex",
        "940": "North Northamptonshire",
        "941": "West Northamptonshire",
        "942": "Cumberland",
        "943": "Westmorland and Furness",
    }
)
"""English LA numbers (current and abolished since April 1998) mapped to the authority's name."""

# Welsh pupils also carry UPNs; DfE's own rule accepts the Welsh authorities' numbers.
WELSH_LA_CODES: Final[frozenset[str]] = frozenset(f"{number:03d}" for number in range(660, 682))
"""Welsh LA numbers 660-681, accepted by the DfE rule (names not recorded here)."""

# Listed by DfE as "pseudo LA" codes; their individual meanings are not recorded in the source.
PSEUDO_LA_CODES: Final[frozenset[str]] = frozenset(
    [f"{number:03d}" for number in range(1, 6)] + [f"{number:03d}" for number in range(701, 709)]
)
"""DfE "pseudo LA" codes 001-005 and 701-708."""

RECOGNISED_LA_CODES: Final[frozenset[str]] = (
    frozenset(ENGLISH_LA_CODES) | WELSH_LA_CODES | PSEUDO_LA_CODES
)
"""Every code :func:`lrs.identifiers.validate_upn` accepts in characters 2-4."""
