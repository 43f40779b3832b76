"""Reference lists behind the synthetic register: names, nicknames, places and outward codes.

Every list is written in rough order of popularity, most common first, because the generator
gives each entry a Zipf-like weight by its rank. Lists are whitespace-separated words; an
underscore stands for a space inside one entry (``ap_Rhys`` is the family name ``ap Rhys``).

The groups ("pools") are by the naming tradition a name mostly belongs to, not by anyone's
nationality: a household draws its family name from one pool and its children's given names
from a mix of pools (see ``people._HERITAGE_GIVEN_MIX``).
"""

from typing import Final


def _words(text: str) -> tuple[str, ...]:
    """Split a whitespace-separated list, turning ``_`` into a space inside an entry."""
    return tuple(word.replace("_", " ") for word in text.split())


# -- Given names --------------------------------------------------------------------------------

BOYS: Final[dict[str, tuple[str, ...]]] = {
    "general": _words(
        """
        Jack Oliver Thomas Harry Joshua Alfie Charlie Daniel James William Samuel George Joseph
        Lewis Ethan Dylan Benjamin Alexander Jacob Ryan Liam Jake Matthew Callum Luke Max Tyler
        Adam Noah Oscar Henry Archie Leo Riley Harvey Cameron Nathan Connor Logan Finley Jayden
        Aaron Alex Kyle Owen Reece Isaac Lucas Freddie Toby Louis Michael Edward Bradley Brandon
        Theo Evan Sebastian Jamie Kai Ben Harrison Elliot Charles Jordan Christopher David Robert
        Andrew Jonathan Zachary Mason Frederick Hugo Arthur Finn Rory Reuben Caleb Jude Bailey
        Aidan Declan Sean Patrick Josh Harley Tom Ollie Alfred Billy Bobby Frankie Ronnie Stanley
        Albert Teddy Tommy Jenson Corey Dominic Elliott Gabriel Hayden Jasper Joel Kieran Leon
        Louie Marcus Nathaniel Nicholas Rowan Sam Scott Spencer Stephen Taylor Tristan Vincent
        Wesley Zak Ellis Felix Ewan Fraser Angus Hamish Ross Craig Jay Lee Mark Paul Peter
        Richard Simon Timothy Anthony Steven Gary Martin Ian Neil Kevin Darren Jason Wayne Carl
        Dean Shaun Jesse Ashley Conor Niall Eoin Cian Oisín Ciarán Seán Ralph Edgar
        Ezra Albie Mohammed Xavier Miles Otis Ivan Dexter Alistair Barnaby Rupert
        """
    ),
    "welsh": _words(
        """
        Rhys Dylan Morgan Osian Cai Dafydd Gethin Iwan Tomos Harri Jac Ioan Evan Owain Elis
        Macsen Gruffydd Steffan Ifan Llywelyn Rhodri Huw Aled Dewi Sion Siôn Gareth Geraint
        Rhydian Ieuan Hywel Gwion Emyr Alun Bryn Idris Emrys Deiniol Tudur Guto Gwilym Dyfan
        Efan Taliesin Trystan Celyn Eifion Berwyn Carwyn Ianto Lewys Llŷr Meilir Math Caio
        """
    ),
    "south_asian": _words(
        """
        Muhammad Mohammed Mohammad Ali Ahmed Ibrahim Yusuf Hamza Omar Zain Ayaan Aryan Arjun
        Rohan Rahul Amir Bilal Hassan Hussain Imran Kabir Krish Dev Vihaan Aarav Ravi Sanjay
        Vikram Usman Zayn Rayyan Abdullah Ismail Haris Faisal Adnan Tariq Jaskaran Gurdeep
        Harjit Arman Sahil
        """
    ),
    "polish": _words(
        """
        Jakub Kacper Szymon Filip Mateusz Bartosz Michał Wojciech Piotr Tomasz Paweł
        Krzysztof Dawid Oskar Antoni Igor Kamil Łukasz Maciej Marcin Adrian Patryk Dominik
        Aleksander Franciszek
        """
    ),
    "west_african": _words(
        """
        David Daniel Samuel Emmanuel Joshua Oluwaseun Oluwatobi Tobi Femi Kwame Kofi Chidi
        Chinedu Emeka Obinna Ikenna Ayodele Adebayo Babatunde Tunde Segun Olumide Kwabena Kojo
        Yaw Nnamdi Kelechi Ebuka Tobenna Chukwuemeka Godwin Jeremiah Uche Ifeanyi Demilade
        """
    ),
    "chinese": _words(
        """
        Wei Jun Hao Jian Ming Chun Zhen Yi Kin Wing Hong Lok Yat Hei Tsz Jia Yu Zihan
        """
    ),
    "european": _words(
        """
        Luca Matteo Marco Alessandro Diego Pablo Javier Tiago João Andrei Mihai Ionuț Lukas
        Mehmet Emre Jonas Mateo Nikolaos Dimitris André José Jérôme
        """
    ),
}

GIRLS: Final[dict[str, tuple[str, ...]]] = {
    "general": _words(
        """
        Olivia Sophie Emily Lily Amelia Jessica Ruby Chloe Grace Evie Ella Mia Charlotte
        Isabella Lucy Ellie Isabelle Daisy Holly Megan Hannah Sophia Katie Erin Freya Amy
        Lauren Emma Molly Poppy Phoebe Isla Millie Eva Abigail Scarlett Ava Lola Imogen Keira
        Niamh Leah Maisie Layla Georgia Rebecca Rachel Bethany Paige Jasmine Alice Anna Caitlin
        Courtney Elizabeth Eleanor Florence Matilda Zoe Amber Abbie Alicia Aimee Brooke Charley
        Darcey Demi Eliza Elsie Esme Evelyn Faith Francesca Gemma Georgina Harriet Heidi Hollie
        Isobel Jade Jennifer Jodie Kayla Kelsey Lacey Lara Libby Lilly Lydia Maddison Madison
        Maya Melissa Mollie Naomi Natalie Nicole Olive Rosie Samantha Sarah Sienna Skye Summer
        Tegan Tia Victoria Violet Willow Amelie Aoife Ciara Orla Saoirse Roisin Siobhan Kirsty
        Fiona Catherine Katherine Kate Laura Louise Helen Claire Joanne Nicola Michelle Lisa
        Kelly Stacey Donna Sharon Julie Karen Tracey Susan Margaret Jane Alison Amanda Angela
        Deborah Sally Ruth Zoë Chloë Renée Róisín Ivy Mabel Beatrice Penelope Rosa Edie
        Jessie Nancy Arabella Elodie Cleo Aisha Ayesha
        """
    ),
    "welsh": _words(
        """
        Megan Ffion Seren Cerys Mali Elin Catrin Nia Lowri Alaw Erin Efa Cadi Eleri Gwen
        Siân Sian Carys Cari Eira Elan Elen Manon Mared Rhiannon Rhian Sioned Tesni Tirion
        Bethan Angharad Gwenllian Branwen Heledd Llinos Lleucu Anwen Awen Betsan Caryl Delyth
        Eluned Fflur Gwawr Glesni Gwenno Meinir Meleri Mererid Nerys Enfys Eirlys Menna Lona
        Hafwen Non
        """
    ),
    "south_asian": _words(
        """
        Aisha Fatima Zara Maryam Amira Hafsa Zainab Khadija Hana Inaaya Ayesha Safa Sana Noor
        Anaya Priya Anjali Simran Jasleen Harleen Navpreet Divya Riya Shreya Pooja Nadia Yasmin
        Sumaiya Amna Iqra Mahnoor Alisha Neha Kiran Aleena Zahra Samira Manpreet Gurpreet
        """
    ),
    "polish": _words(
        """
        Zuzanna Julia Maja Zofia Hanna Oliwia Amelia Aleksandra Natalia Wiktoria Weronika Lena
        Alicja Gabriela Nikola Martyna Karolina Paulina Kinga Katarzyna Małgorzata Agnieszka
        Magdalena Joanna Emilia
        """
    ),
    "west_african": _words(
        """
        Precious Blessing Favour Grace Esther Deborah Chioma Adaeze Ngozi Amara Nneka Ifeoma
        Chiamaka Oluwaseyi Folake Funmilayo Temitope Abimbola Ayomide Damilola Abena Ama
        Akosua Efua Adwoa Esi Comfort Peace Joy Mercy Tolulope Ebunoluwa
        """
    ),
    "chinese": _words(
        """
        Mei Ling Xin Yan Hui Jing Li Ying Qing Wing Yuen Siu Hoi Yee Wai Xiaoming Jiayi
        """
    ),
    "european": _words(
        """
        Sofia Giulia Chiara Lucía María Ana Inês Beatriz Ioana Elena Andreea Ieva Emilija
        Zeynep Elif Defne Léa Chloé Noémie Anaïs
        """
    ),
}

MIDDLE_BOYS: Final = _words(
    """
    James John William Thomas David Michael Robert Edward Lee Alexander George Joseph Paul
    Peter Daniel Charles Anthony Henry Rhys Owen Lloyd Arthur Jac Wyn Glyn Ali
    """
)
MIDDLE_GIRLS: Final = _words(
    """
    Rose Grace May Louise Marie Jane Elizabeth Anne Mae Catherine Victoria Ann Lily Eve Hope
    Jayne Megan Wyn Haf Seren Nia Alys Fatima Begum
    """
)

# -- Family names -------------------------------------------------------------------------------

FAMILY: Final[dict[str, tuple[str, ...]]] = {
    "british": _words(
        """
        Smith Jones Williams Taylor Brown Davies Evans Wilson Thomas Johnson Roberts Robinson
        Thompson Wright Walker White Edwards Hughes Green Hall Lewis Harris Clarke Jackson Wood
        Turner Martin Cooper Hill Ward Morris Moore Clark Lee King Baker Harrison Morgan Allen
        James Scott Phillips Watson Davis Parker Price Bennett Young Griffiths Mitchell Cook
        Carter Richardson Bailey Collins Bell Shaw Miller Cox Richards Marshall Anderson
        Simpson Ellis Adams Wilkinson Foster Chapman Powell Webb Rogers Gray Mason Hunt Matthews
        Owen Palmer Holmes Mills Barnes Knight Lloyd Butler Russell Barker Fisher Stevens Jenkins
        Dixon Harvey Pearson Fletcher Gibson Howard Andrews Elliott Reynolds Saunders Payne Fox
        Ford Pearce Day Brooks West Lawrence Cole Atkinson Bradley Spencer Dawson Ball Burton
        Watts Rose Booth Perry Wells Armstrong Francis Rees Hayes Hart Hudson Newman Barrett
        Webster Gregory Carr Lowe Page Marsh Riley Dunn Woods Parsons Berry Stone Holland
        Hawkins Harding Porter Newton Oliver Reed Williamson Bird Gardner Dean Lane Cooke Bates
        Parry Burgess Bishop Walton Nicholson Shepherd Cross Long Freeman Warren Nicholls Sutton
        Yates Hodgson Robson Curtis Hopkins Harper Coleman Watkins Moss Chambers Sharp Hardy
        Wheeler Potter Osborne George Jordan Hutchinson Rowe May Gilbert Willis Read Miles
        Stevenson Stephenson Hammond Arnold Buckley Walters Hewitt Barber Nelson Slater Austin
        Whitehead Mann Frost Lambert Stephens Blake Goodwin Barton Woodward Barnett Baxter
        Clayton Nash Greenwood Jennings Holt Kemp Poole Bond Stokes Tucker Fowler Heath Norman
        Middleton Lawson Banks French Stanley Jarvis Gibbs Hayward Abbott Sanders Ashton Hicks
        Pritchard Whittaker Pickering Pollard Sheppard Townsend Metcalfe Brennan Kirby Lucas
        Howe Skinner Mellor Marriott Rowley Chadwick Fuller Birch Hamer Parkinson Tomlinson
        Dyer Sykes Hale Kay Bentley Moran Thornton Summers Farmer Rhodes Hyde Hobbs Lord
        Horton Naylor Gough Preston Lamb Waters Ingram Holden Dalton Cartwright Nixon Kirk
        Coates Haynes Sparks Bowers Charlton Doherty Hargreaves Humphries Ogden Whitfield
        """
    ),
    "irish_scottish": _words(
        """
        Murphy Kelly Walsh Byrne Ryan O'Brien O'Connor O'Neill Doyle Gallagher McDonald Quinn
        Campbell Stewart Robertson Murray Fraser MacDonald McCarthy O'Sullivan Kennedy Reid Ross
        Paterson Kerr Grant Fitzgerald Kavanagh Nolan Duffy Connolly Donnelly Boyle Sweeney
        McKenzie Mackenzie McLean MacLeod McLeod O'Donnell O'Reilly O'Leary McGregor MacGregor
        McIntyre McKay Mackay McMillan Macmillan McGuire McLaughlin McGrath McCann McAllister
        McBride McCormack McNeill McPherson MacLean O'Callaghan O'Hara O'Keefe O'Shea O'Mahony
        Munro Sinclair Cameron Hamilton Johnston Burns Gordon Wallace Ferguson Cunningham
        Henderson Davidson Lynch Farrell Carroll Higgins Sullivan Burke Flanagan Brady Hogan
        """
    ),
    "welsh": _words(
        """
        Jones Williams Davies Evans Thomas Roberts Hughes Lewis Morgan Griffiths Price Rees
        Jenkins Owen James Edwards Lloyd Phillips Powell Parry Pritchard Howells Llewellyn Bowen
        Vaughan Pugh Bevan Humphreys Watkins Harries Griffith Meredith Probert Prosser Gwynne
        Beynon Protheroe Morris Rowlands Ellis Huws Wyn Llwyd Gruffudd Prys ap_Rhys Gwyther
        """
    ),
    "south_asian": _words(
        """
        Patel Khan Singh Ali Ahmed Hussain Begum Shah Kaur Akhtar Iqbal Mahmood Rahman Islam
        Uddin Miah Hassan Chowdhury Sharma Kumar Gupta Mistry Parmar Sandhu Gill Dhillon Bains
        Sidhu Malik Butt Qureshi Siddiqui Mirza Rashid Aziz Nawaz Mehta Desai Joshi Chauhan
        Solanki Hossain Ullah D'Souza Raja Bibi
        """
    ),
    "polish": _words(
        """
        Nowak Kowalski Wiśniewski Wójcik Kowalczyk Kamiński Lewandowski Zieliński Szymański
        Woźniak Dąbrowski Kozłowski Jankowski Mazur Kwiatkowski Krawczyk Piotrowski Grabowski
        Nowakowski Pawłowski Michalski Nowicki Adamczyk Dudek Zając Wieczorek Jabłoński Król
        Majewski Olszewski Jaworski Malinowski Górski Sikora
        """
    ),
    "west_african": _words(
        """
        Adeyemi Okafor Okonkwo Adebayo Mensah Owusu Boateng Osei Asante Oladipo Olawale
        Ogunleye Adeleke Balogun Bello Eze Nwosu Obi Okoro Onyeka Appiah Agyeman Danso Ofori
        Darko Adjei Akinola Afolabi Ojo Okeke Uzoma Nnadi Ogunbiyi Adewale Bakare Sesay Kamara
        Conteh Bangura
        """
    ),
    "chinese": _words(
        """
        Wong Chan Li Lee Cheung Lam Leung Lau Ng Ho Tang Chen Wang Zhang Liu Yang Huang Zhao Wu
        Zhou Xu Sun Zhu Lin Guo Luo Yip Tse Chow Kwok Fung Yeung Tsang Mak Choi Lo Chung
        Cheng Tam
        """
    ),
    "european": _words(
        """
        Rossi Russo Esposito Bianchi Romano García Martínez Rodríguez Fernández López Silva
        Santos Ferreira Gonçalves Pereira Popescu Ionescu Popa Kazlauskas Petrauskas Horváth
        Nagy Yılmaz Kaya Demir Papadopoulos Müller Schmidt Dubois Lefèvre
        """
    ),
}

# -- Nicknames ----------------------------------------------------------------------------------

NICKNAMES: Final[dict[str, tuple[str, ...]]] = {
    "Robert": ("Bob", "Rob", "Robbie", "Bobby"),
    "Elizabeth": ("Beth", "Liz", "Lizzie", "Eliza"),
    "Dafydd": ("Dai", "Dave"),
    "David": ("Dave", "Dai", "Davey"),
    "William": ("Will", "Bill", "Billy", "Liam"),
    "Thomas": ("Tom", "Tommy"),
    "Tomos": ("Tom", "Twm"),
    "Catherine": ("Kate", "Cathy", "Katie"),
    "Katherine": ("Kate", "Kathy", "Katie"),
    "Catrin": ("Cat", "Cati"),
    "Alfred": ("Alfie", "Alf"),
    "Oliver": ("Ollie", "Olly"),
    "Isabella": ("Izzy", "Bella", "Issy"),
    "Isabelle": ("Izzy", "Belle"),
    "Isobel": ("Izzy", "Issy"),
    "James": ("Jim", "Jimmy", "Jamie"),
    "Alexander": ("Alex", "Xander", "Sandy"),
    "Aleksander": ("Olek", "Alek"),
    "Alexandra": ("Alex", "Lexi", "Sasha"),
    "Aleksandra": ("Ola",),
    "Benjamin": ("Ben", "Benji"),
    "Christopher": ("Chris", "Kit"),
    "Daniel": ("Dan", "Danny"),
    "Edward": ("Ed", "Eddie", "Ted"),
    "Henry": ("Harry", "Hal"),
    "Jonathan": ("Jon", "Jonny"),
    "Joseph": ("Joe", "Joey"),
    "Matthew": ("Matt",),
    "Michael": ("Mike", "Mikey", "Mick"),
    "Nicholas": ("Nick", "Nicky"),
    "Samuel": ("Sam", "Sammy"),
    "Theodore": ("Theo", "Ted"),
    "Zachary": ("Zac", "Zach"),
    "Joshua": ("Josh",),
    "Nathaniel": ("Nate", "Nat"),
    "Frederick": ("Fred", "Freddie"),
    "Charles": ("Charlie", "Chas"),
    "Anthony": ("Tony", "Ant"),
    "Andrew": ("Andy", "Drew"),
    "Stephen": ("Steve",),
    "Steven": ("Steve",),
    "Richard": ("Rich", "Ricky"),
    "Timothy": ("Tim", "Timmy"),
    "Gareth": ("Gaz",),
    "Gruffydd": ("Gruff",),
    "Llywelyn": ("Llew",),
    "Gwilym": ("Gwil",),
    "Rhiannon": ("Rhi",),
    "Gwenllian": ("Gwen",),
    "Angharad": ("Hari",),
    "Eleanor": ("Ellie", "Nell"),
    "Charlotte": ("Lottie", "Charlie"),
    "Margaret": ("Maggie", "Meg", "Peggy"),
    "Megan": ("Meg",),
    "Abigail": ("Abbie", "Abi"),
    "Victoria": ("Vicky", "Tori"),
    "Jessica": ("Jess", "Jessie"),
    "Rebecca": ("Becky", "Becca"),
    "Samantha": ("Sam", "Sammie"),
    "Jennifer": ("Jen", "Jenny"),
    "Amelia": ("Millie", "Amy"),
    "Emily": ("Em", "Emmy"),
    "Florence": ("Flo", "Florrie"),
    "Olivia": ("Liv", "Livvy"),
    "Madison": ("Maddie",),
    "Maddison": ("Maddie",),
    "Matilda": ("Tilly", "Tilda"),
    "Penelope": ("Penny",),
    "Georgina": ("Georgie",),
    "Harriet": ("Hattie",),
    "Natalie": ("Nat",),
    "Mohammed": ("Mo",),
    "Muhammad": ("Mo",),
    "Mohammad": ("Mo",),
    "Jakub": ("Kuba",),
    "Katarzyna": ("Kasia",),
    "Małgorzata": ("Gosia",),
    "Wojciech": ("Wojtek",),
    "Oluwaseun": ("Seun",),
    "Oluwatobi": ("Tobi",),
    "Oluwaseyi": ("Seyi",),
    "Chukwuemeka": ("Emeka",),
    "Temitope": ("Tope",),
    "Babatunde": ("Tunde",),
}

# -- Places -------------------------------------------------------------------------------------

# Outward codes, each with its post town: "CODE:Post_Town". Real districts, several per large
# town so that households cluster as they do in cities.
ENGLAND_OUTWARDS: Final = _words(
    """
    B5:Birmingham B6:Birmingham B8:Birmingham B10:Birmingham B11:Birmingham B12:Birmingham
    B13:Birmingham B15:Birmingham B16:Birmingham B17:Birmingham B20:Birmingham B23:Birmingham
    B29:Birmingham B30:Birmingham B31:Birmingham B44:Birmingham B90:Solihull
    CV1:Coventry CV2:Coventry CV3:Coventry CV4:Coventry CV5:Coventry CV6:Coventry
    CV11:Nuneaton CV31:Leamington_Spa CV32:Leamington_Spa CV34:Warwick
    M1:Manchester M4:Manchester M8:Manchester M11:Manchester M13:Manchester M14:Manchester
    M16:Manchester M20:Manchester M21:Manchester M40:Manchester M50:Salford OL1:Oldham
    BL1:Bolton SK4:Stockport WN1:Wigan
    LS1:Leeds LS2:Leeds LS4:Leeds LS6:Leeds LS8:Leeds LS9:Leeds LS11:Leeds LS12:Leeds
    LS17:Leeds BD1:Bradford BD3:Bradford BD5:Bradford BD7:Bradford BD8:Bradford HX1:Halifax
    HD1:Huddersfield WF1:Wakefield S1:Sheffield S2:Sheffield S6:Sheffield S10:Sheffield
    S11:Sheffield DN1:Doncaster HU5:Hull HU1:Hull YO10:York YO24:York
    NE1:Newcastle_upon_Tyne NE4:Newcastle_upon_Tyne NE6:Newcastle_upon_Tyne NE28:Wallsend
    SR1:Sunderland DH1:Durham TS1:Middlesbrough CA1:Carlisle
    L1:Liverpool L4:Liverpool L8:Liverpool L15:Liverpool L17:Liverpool L18:Liverpool
    CH41:Birkenhead WA1:Warrington PR1:Preston BB1:Blackburn LA1:Lancaster FY1:Blackpool
    NG1:Nottingham NG5:Nottingham NG7:Nottingham DE1:Derby DE22:Derby LE1:Leicester
    LE2:Leicester LE3:Leicester LE4:Leicester LE5:Leicester LE11:Loughborough
    NN1:Northampton MK9:Milton_Keynes LN1:Lincoln PE1:Peterborough
    ST1:Stoke-on-Trent ST4:Stoke-on-Trent WV1:Wolverhampton WS1:Walsall DY1:Dudley
    TF1:Telford SY1:Shrewsbury HR1:Hereford WR1:Worcester
    OX1:Oxford OX4:Oxford CB1:Cambridge CB4:Cambridge NR1:Norwich NR2:Norwich IP1:Ipswich
    CO1:Colchester CM1:Chelmsford SS1:Southend-on-Sea LU1:Luton AL1:St_Albans SG1:Stevenage
    WD17:Watford HP13:High_Wycombe RG1:Reading RG30:Reading SL1:Slough GU1:Guildford
    GU14:Farnborough PO1:Portsmouth SO14:Southampton SO17:Southampton BH1:Bournemouth
    BN1:Brighton BN3:Hove TN1:Tunbridge_Wells CT1:Canterbury ME1:Rochester
    BS1:Bristol BS3:Bristol BS5:Bristol BS6:Bristol BS7:Bristol BS8:Bristol BS16:Bristol
    BA1:Bath GL1:Gloucester GL50:Cheltenham EX1:Exeter EX4:Exeter PL1:Plymouth PL4:Plymouth
    TR1:Truro TQ1:Torquay TA1:Taunton SN1:Swindon SP1:Salisbury
    SW1A:London SW2:London SW4:London SW9:London SW11:London SW16:London SW17:London
    SW18:London SW19:London SE1:London SE5:London SE6:London SE13:London SE15:London
    SE18:London SE22:London N1:London N1C:London N4:London N7:London N15:London N17:London
    N19:London NW1:London NW3:London NW5:London NW6:London NW10:London E1:London E2:London
    E3:London E5:London E8:London E10:London E13:London E14:London E15:London E16:London
    E17:London W1T:London W2:London W3:London W6:London W10:London W12:London EC1V:London
    EC2A:London WC1H:London WC2N:London CR0:Croydon BR1:Bromley HA0:Wembley HA1:Harrow
    UB1:Southall TW3:Hounslow IG1:Ilford RM1:Romford EN1:Enfield KT1:Kingston_upon_Thames
    SM1:Sutton DA1:Dartford
    """
)
WALES_OUTWARDS: Final = _words(
    """
    CF3:Cardiff CF5:Cardiff CF10:Cardiff CF11:Cardiff CF14:Cardiff CF23:Cardiff CF24:Cardiff
    CF31:Bridgend CF37:Pontypridd CF44:Aberdare CF47:Merthyr_Tydfil CF62:Barry CF63:Barry
    CF64:Penarth CF81:Bargoed CF83:Caerphilly
    SA1:Swansea SA2:Swansea SA4:Swansea SA5:Swansea SA6:Swansea SA11:Neath SA12:Port_Talbot
    SA15:Llanelli SA31:Carmarthen SA43:Cardigan SA61:Haverfordwest SA62:Haverfordwest
    SY23:Aberystwyth SY16:Newtown LD1:Llandrindod_Wells LD3:Brecon
    LL11:Wrexham LL12:Wrexham LL13:Wrexham LL18:Rhyl LL29:Colwyn_Bay LL30:Llandudno
    LL49:Porthmadog LL53:Pwllheli LL55:Caernarfon LL57:Bangor LL65:Holyhead LL77:Llangefni
    NP4:Pontypool NP7:Abergavenny NP10:Newport NP11:Newport NP19:Newport NP20:Newport
    NP22:Tredegar NP23:Ebbw_Vale NP44:Cwmbran CH5:Deeside CH7:Mold CH8:Holywell
    """
)

# Birthplaces that are neither the household's post town nor abroad.
OTHER_BIRTHPLACES: Final = _words(
    """
    Glasgow Edinburgh Aberdeen Dundee Belfast Derry Dublin Cork Inverness Stirling
    Gloucester Exeter Carlisle Cardiff Swansea Wrexham Bangor London Manchester Birmingham
    """
)

ABROAD_BIRTHPLACES: Final[dict[str, tuple[str, ...]]] = {
    "south_asian": _words("Karachi Lahore Islamabad Mirpur Dhaka Sylhet Mumbai Delhi Amritsar"),
    "polish": _words("Warsaw Kraków Gdańsk Wrocław Poznań Łódź Lublin"),
    "west_african": _words("Lagos Abuja Ibadan Accra Kumasi Freetown Enugu"),
    "chinese": _words("Hong_Kong Beijing Shanghai Guangzhou Shenzhen Kowloon"),
    "european": _words("Rome Milan Madrid Lisbon Porto Bucharest Vilnius Istanbul Athens Paris"),
    "british": _words("Dublin Sydney Toronto Auckland Cape_Town Gibraltar Cyprus"),
}

# Domains reserved for examples (RFC 2606), so no generated address can reach a real mailbox.
EMAIL_DOMAINS: Final = _words(
    "example.com example.org example.net mail.example.com students.example.org college.example.net"
)

# -- The long tail of names (``generate_register(long_tail=True)``) -----------------------------

# Parts the generator joins into rare names, so that a register of millions has the long tail of
# distinct names a national one has (see ``people._TAIL_GIVEN_ZIPF``). Written for this project: the
# joined names are made up, name-like rather than real, and each is given to few learners.
TAIL_BOY_STARTS: Final = _words(
    """
    Al Ar As Ax Bar Bel Bra Bre Bro Cal Cam Car Cor Dal Dar Dex Dom Dra Ed El Em Ez Fal Fen Fin
    Gar Gil Gra Hal Har Hol Jar Jas Jax Jen Jor Kal Kar Kes Kir Lan Lar Lev Lor Mal Mar Mat Mel
    Mor Nal Nat Nev Nor Ol Or Os Per Ral Ren Ron Ros Sam Sel Sol Tal Tam Tar Ted Tor Val Ver Wil
    Win Zan Zek
    """
)
TAIL_BOY_MIDDLES: Final = _words("a e i o an el en er in is or")
TAIL_BOY_ENDS: Final = _words(
    """
    an ar as by den don en ian ick ie in ion ius ley lan len lin lo ly mar mond mon o on or ric
    ro ron son ston ton us ver vin ward win yn
    """
)
TAIL_GIRL_STARTS: Final = _words(
    """
    Ab Ad Al Am An Ar Au Bel Bri Cal Car Cel Cla Da Del El Em Ev Fay Fi Gem Han Il Is Ja Jes
    Jo Ka Kel La Lei Li Lor Lu Mad Mar Mel Mir Mo Na Nel Or Pa Rae Ri Ro Sa Sel Si Ta Tes Va
    Vi Wil Ya Za Zel
    """
)
TAIL_GIRL_MIDDLES: Final = _words("a e i o an el en er il in ri")
TAIL_GIRL_ENDS: Final = _words(
    """
    a ah anna bel belle da dine ela elle ena essa etta ia iah ina ine isa ley lia lie lin line
    lyn na nah nie ra rah ria rie sa sha sie ta tia via ya yn
    """
)
# English family names are mostly places and features: a first element and an ending, sometimes
# joined by a short syllable (Ash + ing + ton).
TAIL_FAMILY_STARTS: Final = _words(
    """
    Ash Ather Bad Bar Bick Black Brad Bram Brom Brook Bur Cal Chat Child Clif Cold Cot Cran Crom
    Dar Dun Ed El Fair Farn Fen Gar Gold Good Grims Hal Ham Har Hath Hay Hes Hol Horn Hun Ing Kel
    Ken Kings Kirk Lang Lath Lid Lin Lock Mar Mid Mil Mor New Nor Old Ot Pen Pick Pres Rad Rams
    Red Rid Rock Rud Sal Sand Shel Shir Staf Stan Stock Sud Sum Tam Thorn Tod Tre Up Wad Wake
    Wal War Wat Wen West Whit Wil Win Wor Yar
    """
)
TAIL_FAMILY_JOINS: Final = _words("ing en er e")
TAIL_FAMILY_ENDS: Final = _words(
    """
    ton ley worth field ham by well wood stone ford bridge croft shaw hurst combe den dale more
    land cott wick thorpe holme gate low ridge stead wright man sall lock mere brook cliffe hill
    kin nall sby
    """
)
