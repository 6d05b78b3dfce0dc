// Word lists for the synthetic archive (`masthead demo --articles N`).
//
// Lists are ordered from most to least common: the generator draws from them with a Zipf-like
// distribution, so the first entries turn up in most articles and the last ones in a few, and
// full-text search has both very common and rare words to work with. Names of people, towns
// and facilities are invented or generic; outlets are real news organisations.

export const TOPICS: readonly string[] = [
  'Prison Conditions', 'Medical Care', 'Jail Litigation', 'Deaths in Custody', 'Court Access',
  'Policing', 'Solitary Confinement', 'Immigration Detention', 'Wrongful Convictions', 'Prison Phones',
  'Sexual Abuse', 'Prison Labor', 'Parole', 'Juvenile Justice', 'Death Penalty',
];

/** US states, the most populous (and most often in the news) first. */
export const STATES: readonly string[] = [
  'California', 'Texas', 'Florida', 'New York', 'Pennsylvania', 'Illinois', 'Ohio', 'Georgia',
  'North Carolina', 'Michigan', 'New Jersey', 'Virginia', 'Washington', 'Arizona', 'Tennessee',
  'Massachusetts', 'Indiana', 'Missouri', 'Maryland', 'Colorado', 'Wisconsin', 'Minnesota',
  'South Carolina', 'Alabama', 'Louisiana', 'Kentucky', 'Oregon', 'Oklahoma', 'Connecticut',
  'Utah', 'Iowa', 'Nevada', 'Arkansas', 'Mississippi', 'Kansas', 'New Mexico', 'Nebraska',
  'Idaho', 'West Virginia', 'Hawaii', 'New Hampshire', 'Maine', 'Montana', 'Rhode Island',
  'Delaware', 'South Dakota', 'North Dakota', 'Alaska', 'Vermont', 'Wyoming', 'District of Columbia',
];

/** News outlets cited as sources. */
export const OUTLETS: readonly string[] = [
  'Associated Press', 'Court records', 'The New York Times', 'The Washington Post', 'Los Angeles Times',
  'The Marshall Project', 'Reuters', 'ProPublica', 'Courthouse News Service', 'The Appeal',
  'The Guardian', 'NPR', 'CBS News', 'NBC News', 'ABC News', 'USA Today', 'The Intercept',
  'Chicago Tribune', 'Miami Herald', 'Houston Chronicle', 'The Dallas Morning News', 'Tampa Bay Times',
  'The Atlanta Journal-Constitution', 'The Philadelphia Inquirer', 'The Boston Globe', 'Detroit Free Press',
  'The Seattle Times', 'The Arizona Republic', 'The Oregonian', 'The Denver Post', 'Star Tribune',
  'Milwaukee Journal Sentinel', 'The Texas Tribune', 'CalMatters', 'Bolts', 'Injustice Watch',
  'The Nation', 'Mother Jones', 'Law360', 'Bloomberg Law', 'Dropsite News', 'El Faro',
];

/** Invented bylines. */
export const AUTHORS: readonly string[] = [
  'Renata Ocampo', 'Daniel Whitcomb', 'Marisol Ferrante', 'Theo Blackwood', 'Priya Raman',
  'Gordon Halvorsen', 'Keisha Lamont', 'Silas Merriweather', 'Ana Lucia Beltran', 'Curtis Oyelaran',
  'Harriet Vance', 'Joaquin Estrada', 'Miriam Tolliver', 'Desmond Achebe', 'Lorraine Kusak',
  'Walter Pennington', 'Yvette Duchamp', 'Rafael Ibarguen', 'Colleen Brandt', 'Omar Haddadi',
  'Bettina Morrow', 'Lucas Fairweather', 'Nadia Petrosyan', 'Ellis Crandall', 'Ruth Anne Sowell',
];

export const FIRST_NAMES: readonly string[] = [
  'Michael', 'James', 'John', 'Robert', 'David', 'William', 'Maria', 'Jose', 'Christopher', 'Richard',
  'Joseph', 'Thomas', 'Charles', 'Daniel', 'Anthony', 'Mark', 'Steven', 'Kevin', 'Brian', 'Jennifer',
  'Jason', 'Timothy', 'Jeffrey', 'Ryan', 'Jacob', 'Gary', 'Nicholas', 'Eric', 'Jonathan', 'Stephen',
  'Larry', 'Justin', 'Scott', 'Brandon', 'Benjamin', 'Samuel', 'Gregory', 'Alexander', 'Patrick', 'Frank',
  'Raymond', 'Jack', 'Dennis', 'Jerry', 'Tyler', 'Aaron', 'Juan', 'Henry', 'Douglas', 'Adam',
  'Peter', 'Nathan', 'Zachary', 'Walter', 'Kyle', 'Harold', 'Carl', 'Jeremy', 'Keith', 'Roger',
  'Gerald', 'Ethan', 'Arthur', 'Terry', 'Christian', 'Sean', 'Lawrence', 'Austin', 'Joe', 'Noah',
  'Jesse', 'Albert', 'Bryan', 'Billy', 'Bruce', 'Willie', 'Jordan', 'Dylan', 'Alan', 'Ralph',
  'Gabriel', 'Roy', 'Juan Carlos', 'Wayne', 'Eugene', 'Logan', 'Randy', 'Louis', 'Russell', 'Vincent',
  'Patricia', 'Linda', 'Elizabeth', 'Barbara', 'Susan', 'Jessica', 'Sarah', 'Karen', 'Lisa', 'Nancy',
  'Betty', 'Sandra', 'Margaret', 'Ashley', 'Kimberly', 'Emily', 'Donna', 'Michelle', 'Carol', 'Amanda',
  'Melissa', 'Deborah', 'Stephanie', 'Rebecca', 'Sharon', 'Laura', 'Cynthia', 'Dorothy', 'Amy', 'Kathleen',
  'Angela', 'Shirley', 'Brenda', 'Emma', 'Anna', 'Pamela', 'Nicole', 'Samantha', 'Katherine', 'Christine',
  'Debra', 'Rachel', 'Carolyn', 'Janet', 'Virginia', 'Heather', 'Diane', 'Julie', 'Joyce', 'Victoria',
  'Tamika', 'Latoya', 'Darnell', 'Tyrone', 'DeShawn', 'Jamal', 'Marquis', 'Terrell', 'Andre', 'Reginald',
  'Esperanza', 'Guadalupe', 'Alejandro', 'Francisco', 'Rigoberto', 'Yesenia', 'Marisela', 'Ignacio', 'Xochitl', 'Arturo',
  'Thaddeus', 'Ezekiel', 'Cornelius', 'Bartholomew', 'Leopold', 'Octavia', 'Philomena', 'Winifred', 'Cassius', 'Lucinda',
];

export const SURNAMES: readonly string[] = [
  'Smith', 'Johnson', 'Williams', 'Brown', 'Jones', 'Garcia', 'Miller', 'Davis', 'Rodriguez', 'Martinez',
  'Hernandez', 'Lopez', 'Gonzalez', 'Wilson', 'Anderson', 'Thomas', 'Taylor', 'Moore', 'Jackson', 'Martin',
  'Lee', 'Perez', 'Thompson', 'White', 'Harris', 'Sanchez', 'Clark', 'Ramirez', 'Lewis', 'Robinson',
  'Walker', 'Young', 'Allen', 'King', 'Wright', 'Scott', 'Torres', 'Nguyen', 'Hill', 'Flores',
  'Green', 'Adams', 'Nelson', 'Baker', 'Hall', 'Rivera', 'Campbell', 'Mitchell', 'Carter', 'Roberts',
  'Gomez', 'Phillips', 'Evans', 'Turner', 'Diaz', 'Parker', 'Cruz', 'Edwards', 'Collins', 'Reyes',
  'Stewart', 'Morris', 'Morales', 'Murphy', 'Cook', 'Rogers', 'Gutierrez', 'Ortiz', 'Morgan', 'Cooper',
  'Peterson', 'Bailey', 'Reed', 'Kelly', 'Howard', 'Ramos', 'Kim', 'Cox', 'Ward', 'Richardson',
  'Watson', 'Brooks', 'Chavez', 'Wood', 'James', 'Bennett', 'Gray', 'Mendoza', 'Ruiz', 'Hughes',
  'Price', 'Alvarez', 'Castillo', 'Sanders', 'Patel', 'Myers', 'Long', 'Ross', 'Foster', 'Jimenez',
  'Powell', 'Jenkins', 'Perry', 'Russell', 'Sullivan', 'Bell', 'Coleman', 'Butler', 'Henderson', 'Barnes',
  'Gonzales', 'Fisher', 'Vasquez', 'Simmons', 'Romero', 'Jordan', 'Patterson', 'Alexander', 'Hamilton', 'Graham',
  'Reynolds', 'Griffin', 'Wallace', 'Moreno', 'West', 'Cole', 'Hayes', 'Bryant', 'Herrera', 'Gibson',
  'Ellis', 'Tran', 'Medina', 'Aguilar', 'Stevens', 'Murray', 'Ford', 'Castro', 'Marshall', 'Owens',
  'Harrison', 'Fernandez', 'McDonald', 'Woods', 'Washington', 'Kennedy', 'Wells', 'Vargas', 'Henry', 'Chen',
  'Freeman', 'Webb', 'Tucker', 'Guzman', 'Burns', 'Crawford', 'Olson', 'Simpson', 'Porter', 'Hunter',
  'Gordon', 'Mendez', 'Silva', 'Shaw', 'Snyder', 'Mason', 'Dixon', 'Munoz', 'Hunt', 'Hicks',
  'Holmes', 'Palmer', 'Wagner', 'Black', 'Robertson', 'Boyd', 'Rose', 'Stone', 'Salazar', 'Fox',
  'Warren', 'Mills', 'Meyer', 'Rice', 'Schmidt', 'Garza', 'Daniels', 'Ferguson', 'Nichols', 'Stephens',
  'Soto', 'Weaver', 'Ryan', 'Gardner', 'Payne', 'Grant', 'Dunn', 'Kelley', 'Spencer', 'Hawkins',
  'Arnold', 'Pierce', 'Vazquez', 'Hansen', 'Peters', 'Santos', 'Hart', 'Bradley', 'Knight', 'Elliott',
  'Cunningham', 'Duncan', 'Armstrong', 'Hudson', 'Carroll', 'Lane', 'Riley', 'Andrews', 'Alvarado', 'Ray',
  'Delgado', 'Berry', 'Perkins', 'Hoffman', 'Johnston', 'Matthews', 'Pena', 'Richards', 'Contreras', 'Willis',
  'Carpenter', 'Lawrence', 'Sandoval', 'Guerrero', 'George', 'Chapman', 'Rios', 'Estrada', 'Ortega', 'Watkins',
  'Greene', 'Nunez', 'Wheeler', 'Valdez', 'Harper', 'Burke', 'Larson', 'Santiago', 'Maldonado', 'Morrison',
  'Franklin', 'Carlson', 'Austin', 'Dominguez', 'Carr', 'Lawson', 'Jacobs', 'Obrien', 'Lynch', 'Singh',
  'Vega', 'Bishop', 'Montgomery', 'Oliver', 'Jensen', 'Harvey', 'Williamson', 'Gilbert', 'Dean', 'Sims',
  'Espinoza', 'Howell', 'Li', 'Wong', 'Reid', 'Hanson', 'Le', 'McCoy', 'Garrett', 'Burton',
  'Fuller', 'Wang', 'Weber', 'Welch', 'Rojas', 'Lucas', 'Marquez', 'Fields', 'Park', 'Yang',
  'Little', 'Banks', 'Padilla', 'Day', 'Walsh', 'Bowman', 'Schultz', 'Luna', 'Fowler', 'Mejia',
  'Davidson', 'Acosta', 'Brewer', 'May', 'Holland', 'Juarez', 'Newman', 'Pearson', 'Curtis', 'Cortez',
  'Douglas', 'Schneider', 'Joseph', 'Barrett', 'Navarro', 'Figueroa', 'Keller', 'Avila', 'Wade', 'Molina',
  'Stanley', 'Hopkins', 'Campos', 'Barnett', 'Bates', 'Chambers', 'Caldwell', 'Beck', 'Lambert', 'Miranda',
  'Byrd', 'Craig', 'Ayala', 'Lowe', 'Frazier', 'Powers', 'Neal', 'Leonard', 'Gregory', 'Carrillo',
  'Sutton', 'Fleming', 'Rhodes', 'Shelton', 'Schwartz', 'Norris', 'Jennings', 'Watts', 'Duran', 'Walters',
  'Cohen', 'McDaniel', 'Moran', 'Parks', 'Steele', 'Vaughn', 'Becker', 'Holt', 'Deleon', 'Barker',
  'Arredondo', 'Gaskin', 'Vantreese', 'Okonkwo', 'Szymanski', 'Thibodeaux', 'Quintanilla', 'Abernathy', 'Lindqvist', 'Montalvo',
  'Pettibone', 'Yarborough', 'Castellanos', 'Delacroix', 'Featherstone', 'Gallagher', 'Hollingsworth', 'Iwasaki', 'Janowski', 'Kowalczyk',
  'Lafleur', 'Mbeki', 'Nakamura', 'Oyelowo', 'Prendergast', 'Quarles', 'Rasmussen', 'Stallworth', 'Tanaka', 'Underwood',
  'Villanueva', 'Whitfield', 'Xiong', 'Yazzie', 'Zielinski', 'Beauregard', 'Cartwright', 'Dubois', 'Esposito', 'Fitzgerald',
  'Goldberg', 'Halloran', 'Ibsen', 'Jablonski', 'Kittredge', 'Langford', 'McAllister', 'Nakashima', 'Ostrowski', 'Pulaski',
  'Rutherford', 'Scarborough', 'Tremblay', 'Umberger', 'Vandermeer', 'Wojcik', 'Youngblood', 'Zamora', 'Blankenship', 'Crowder',
];

/** Town and county names, used alone and in facility names. */
export const TOWNS: readonly string[] = [
  'Jefferson', 'Franklin', 'Washington', 'Lincoln', 'Madison', 'Jackson', 'Monroe', 'Clay', 'Marion', 'Greene',
  'Union', 'Warren', 'Wayne', 'Montgomery', 'Fayette', 'Hamilton', 'Harris', 'Dallas', 'Cook', 'Maricopa',
  'Riverside', 'Fresno', 'Kern', 'Orange', 'Polk', 'Shelby', 'Fulton', 'DeKalb', 'Bexar', 'Travis',
  'Tarrant', 'Wake', 'Mecklenburg', 'Cuyahoga', 'Wayne', 'Oakland', 'Macomb', 'Allegheny', 'Erie', 'Suffolk',
  'Nassau', 'Westchester', 'Kings', 'Queens', 'Bronx', 'Hennepin', 'Ramsey', 'Milwaukee', 'Dane', 'Pima',
  'Yavapai', 'Clark', 'Washoe', 'Salt Lake', 'Utah', 'Ada', 'Canyon', 'Spokane', 'Pierce', 'Snohomish',
  'Multnomah', 'Lane', 'Jefferson Parish', 'Orleans', 'Caddo', 'Hinds', 'Harrison', 'Mobile', 'Baldwin', 'Escambia',
  'Duval', 'Hillsborough', 'Pinellas', 'Broward', 'Palm Beach', 'Lee', 'Collier', 'Brevard', 'Volusia', 'Seminole',
  'Chatham', 'Richmond', 'Muscogee', 'Bibb', 'Knox', 'Davidson', 'Hamilton', 'Rutherford', 'Sumner', 'Sullivan',
  'Boone', 'Kenton', 'Fayette', 'Warren', 'Pulaski', 'Sebastian', 'Tulsa', 'Oklahoma', 'Cleveland', 'Comanche',
  'Sedgwick', 'Johnson', 'Wyandotte', 'Douglas', 'Lancaster', 'Sarpy', 'Polk', 'Linn', 'Scott', 'Black Hawk',
  'Ashford', 'Bellmont', 'Carrow', 'Tallis', 'Marsh', 'Briarwood', 'Coldwater', 'Dunmore', 'Eastlake', 'Fairhaven',
  'Glenrock', 'Harlow', 'Ironton', 'Juniper', 'Kettle Falls', 'Larkspur', 'Millbrook', 'Northgate', 'Oakhurst', 'Pinecrest',
  'Quarry Hill', 'Redstone', 'Silverton', 'Thornbury', 'Upton', 'Valley Forge', 'Westbrook', 'Yellow Creek', 'Alder Springs', 'Bramwell',
  'Cedar Bluff', 'Deer Lodge', 'Elk River', 'Fort Madison', 'Granite Falls', 'Hollis', 'Indian Creek', 'Jasper', 'Kinross', 'Leesburg',
  'Mount Pleasant', 'Newcastle', 'Ossining', 'Pendleton', 'Quitman', 'Raiford', 'Stateville', 'Tehachapi', 'Angola', 'Vacaville',
  'Walla Walla', 'Yazoo City', 'Attica', 'Coxsackie', 'Dannemora', 'Elmira', 'Folsom', 'Huntsville', 'Joliet', 'Leavenworth',
  'Marquette', 'Parchman', 'Atmore', 'Florence', 'Coleman', 'Beaumont', 'Butner', 'Terre Haute', 'Marion', 'Lompoc',
  'Otisville', 'Danbury', 'Aliceville', 'Hazelton', 'Thomson', 'Victorville', 'Pollock', 'Yazoo', 'Oakdale', 'Lumpkin',
  'Stewart', 'Adelanto', 'Dilley', 'Karnes', 'Tacoma', 'Eloy', 'Farmville', 'Krome', 'Jena', 'Torrance',
];

export const FACILITY_KINDS: readonly string[] = [
  'County Jail', 'Correctional Facility', 'State Prison', 'Detention Center', 'Correctional Center',
  'Regional Jail', 'Correctional Institution', 'Penitentiary', 'Processing Center', 'Work Release Center',
  'Juvenile Detention Center', "Women's Correctional Facility", 'Reception Center', 'Diagnostic Center', 'Prison Farm',
];

/** Kinds of place as they appear in a headline after a state name: "Texas Prison". */
export const TITLE_FACILITIES: readonly string[] = [
  'Prison', 'Jail', 'Prisons', 'Jails', 'County Jail', 'Detention Center', 'Prison System', 'Juvenile Facility',
  'Immigration Detention Center', 'Federal Prison', 'Parole Board', 'Sheriff', 'Police Department', 'Prison Officials',
];

export const TITLE_COURTS: readonly string[] = [
  'Federal Judge', 'Court', 'Appeals Court', 'Jury', 'State Supreme Court', 'Judge', 'Federal Court',
  'Magistrate Judge', 'Supreme Court', 'Ninth Circuit', 'Fifth Circuit', 'Eleventh Circuit', 'Seventh Circuit',
];

export const TITLE_VERBS: readonly string[] = [
  'Orders', 'Tells', 'Directs', 'Requires', 'Compels', 'Allows', 'Forbids',
];

export const TITLE_REMEDIES: readonly string[] = [
  'Restore Air Conditioning', 'End Solitary Confinement of Juveniles', 'Provide Hepatitis C Treatment', 'Release Records',
  'Pay Legal Fees', 'Fix Broken Medical System', 'Limit Use of Restraints', 'Restore Law Library Access', 'Stop Reading Legal Mail',
  'Cap Phone Rates', 'Provide Addiction Treatment', 'Hire More Nurses', 'Reduce Overcrowding', 'Return Seized Property',
  'Allow In-Person Visits', 'Accommodate Deaf Prisoners', 'Turn Over Surveillance Video', 'Stop Using Tear Gas',
  'Reinstate Good-Time Credits', 'Provide Kosher Meals', 'Reopen Parole Hearings', 'Test Water for Lead', 'Remove Mold',
  'Provide Gender-Affirming Care', 'Improve Suicide Prevention', 'Allow Books by Mail', 'Halt Transfers', 'Pay Minimum Wage',
];

export const TITLE_CLAIMS: readonly string[] = [
  'Wrongful Death', 'Excessive Force', 'Medical Neglect', 'Sexual Abuse', 'Civil Rights', 'Wrongful Conviction',
  'Retaliation', 'Religious Freedom', 'Disability Discrimination', 'Heat Death', 'Suicide', 'Overdose Death',
  'Phone Rate', 'Strip Search', 'Overdetention', 'Public Records', 'Malicious Prosecution', 'Wage Theft',
];

export const TITLE_INCIDENTS: readonly string[] = [
  'Death', 'Beating', 'Suicide', 'Overdose', 'Assault', 'Taser Death', 'Restraint Chair Death', 'Heat Stroke',
  'Medical Neglect Case', 'Strip Search Case', 'Pepper Spray Attack', 'Dog Bite', 'Fire', 'Riot',
];

export const TITLE_POLICIES: readonly string[] = [
  'Limit Solitary Confinement', 'Make Prison Phone Calls Free', 'Expand Compassionate Release', 'End Cash Bail',
  'Ban Private Prisons', 'Compensate the Wrongfully Convicted', 'Restore Parole', 'Raise Prisoner Wages',
  'Require Body Cameras', 'Abolish the Death Penalty', 'Seal Juvenile Records', 'Cap Commissary Prices',
  'Ban Shackling of Pregnant Prisoners', 'Fund Jail Medical Care', 'End Pay-to-Stay Fees', 'Create Independent Oversight',
];

export const TITLE_PROBLEMS: readonly string[] = [
  'Dangerous Understaffing', 'Widespread Abuse', 'Filthy Conditions', 'Deadly Delays in Care', 'Falsified Records',
  'Illegal Strip Searches', 'Excessive Use of Force', 'Rampant Drug Smuggling', 'Unsafe Heat', 'Sewage Leaks',
  'Missing Medication', 'Years-Long Solitary Stays', 'Overcharging for Phone Calls', 'Ignored Grievances', 'Contraband Cell Phones',
];

export const TITLE_REPORTS: readonly string[] = [
  'Report', 'Audit', 'Inspection', 'Investigation', 'Justice Department Probe', 'Grand Jury', 'Monitor',
  'Inspector General', 'State Review', 'Watchdog',
];

export const TITLE_COMPANIES: readonly string[] = [
  'Prison Phone Company', 'Jail Health Contractor', 'Private Prison Firm', 'Food Service Vendor', 'Commissary Contractor',
  'Prison Tablet Vendor', 'Medical Contractor', 'Bail Bond Company', 'Transport Company', 'Electronic Monitoring Firm',
];

export const TITLE_VICTIMS: readonly string[] = [
  'Former Prisoner', 'Family', 'Mother', 'Widow', 'Teenager', 'Detainee', 'Estate', 'Veteran', 'Pretrial Detainee',
  'Mentally Ill Prisoner', 'Diabetic Prisoner', 'Deaf Prisoner', 'Grandmother',
];

export const CIRCUITS: readonly string[] = [
  'Fifth', 'Ninth', 'Eleventh', 'Seventh', 'Sixth', 'Fourth', 'Eighth', 'Third', 'Second', 'Tenth', 'First', 'D.C.',
];

export const MONTH_NAMES: readonly string[] = [
  'January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December',
];

export const NUMBER_WORDS: readonly string[] = [
  'two', 'three', 'four', 'five', 'six', 'seven', 'eight', 'nine', 'ten', 'eleven', 'twelve', 'fifteen', 'twenty',
];

// ---------------------------------------------------------------- body prose

/** Who acts: subjects and objects that are people or institutions (with their article). */
export const ACTORS: readonly string[] = [
  'the court', 'prison officials', 'the judge', 'jail officials', 'the county', 'the state', 'the plaintiffs', 'guards',
  'the prisoners', 'the department', 'the defendants', 'the jury', 'the sheriff', 'the warden', 'attorneys', 'advocates',
  'the appeals court', 'state officials', 'the city', 'the agency', 'the family', 'lawmakers', 'prosecutors', 'deputies',
  'the company', 'the contractor', 'detainees', 'officers', 'investigators', 'the Bureau of Prisons', 'the medical staff',
  'the district attorney', 'the governor', 'the legislature', 'the parole board', 'the monitor', 'nurses', 'the panel',
  'the inspector general', 'the Justice Department', 'ICE', 'the attorney general', 'the commission', 'the union',
  'the police department', 'corrections officers', 'the defense', 'the estate', 'the school district', 'supervisors',
  'the vendor', 'the ombudsman', 'the grand jury', 'the public defender', 'the county commissioners', 'the chaplain',
  'the psychiatrist', 'the coroner', 'the medical examiner', 'the special master', 'the receiver', 'the magistrate',
  'the sergeant', 'the lieutenant', 'the captain', 'the classification committee', 'the disciplinary board', 'the clerk',
];

/** Things acted on. */
export const THINGS: readonly string[] = [
  'the lawsuit', 'the policy', 'the prison', 'the jail', 'the case', 'the claims', 'the complaint', 'the conditions',
  'the settlement', 'the ruling', 'the motion', 'the records', 'the order', 'the evidence', 'the practice', 'the report',
  'the injunction', 'medical care', 'the facility', 'the verdict', 'the contract', 'the appeal', 'the investigation',
  'the rules', 'the fees', 'the charges', 'the sentence', 'the cell', 'the unit', 'the grievance', 'the video',
  'the footage', 'the testimony', 'the request', 'the law', 'the statute', 'the program', 'the budget', 'the rates',
  'the audit', 'the findings', 'the agreement', 'treatment', 'access to counsel', 'the phone contract', 'the commissary',
  'the law library', 'the medication', 'the housing unit', 'the restraints', 'the strip searches', 'solitary confinement',
  'the visits', 'the legal mail', 'the tablets', 'the food', 'the water', 'the air conditioning', 'the ventilation',
  'the staffing levels', 'the overcrowding', 'the death', 'the autopsy', 'the incident report', 'the use of force',
  'the pepper spray', 'the Taser', 'the restraint chair', 'the transfer', 'the release date', 'the parole hearing',
  'the bail', 'the conviction', 'the plea deal', 'the confession', 'the DNA evidence', 'the alibi', 'the witness',
  'the subpoena', 'the deposition', 'the affidavit', 'the consent decree', 'the class action', 'the damages',
  'the attorney fees', 'the immunity defense', 'the discovery requests', 'the emails', 'the logs', 'the body camera video',
  'the surveillance cameras', 'the death certificate', 'the toxicology report', 'the intake screening', 'the sick call requests',
  'the insulin', 'the dialysis', 'the chemotherapy', 'the dental care', 'the eyeglasses', 'the wheelchair', 'the hearing aids',
  'the kosher diet', 'the religious services', 'the prayer rug', 'the beard policy', 'the mail scanning', 'the book ban',
  'the work assignments', 'the wages', 'the restitution', 'the pay-to-stay fees', 'the booking fees', 'the copays',
  'the probation terms', 'the ankle monitor', 'the curfew', 'the warrant', 'the no-knock raid', 'the chokehold',
  'the mold', 'the sewage', 'the rodents', 'the asbestos', 'the lead pipes', 'the heat index', 'the thermometer readings',
  'the tuberculosis screening', 'the hepatitis C drugs', 'the naloxone', 'the buprenorphine', 'the methadone', 'the scabies outbreak',
  'the Legionella bacteria', 'the mandamus petition', 'the habeas petition', 'the certiorari petition', 'the remittitur',
  'the interlocutory appeal', 'the estoppel argument', 'the laches defense', 'the indemnification clause', 'the stipulation',
];

/** Transitive verbs whose past tense is also their past participle. */
export const VERBS: readonly string[] = [
  'ordered', 'denied', 'granted', 'filed', 'rejected', 'challenged', 'reviewed', 'approved', 'ignored', 'dismissed',
  'upheld', 'reversed', 'affirmed', 'vacated', 'settled', 'violated', 'investigated', 'documented', 'reported', 'criticized',
  'restricted', 'ended', 'delayed', 'disputed', 'defended', 'cited', 'obtained', 'released', 'requested', 'examined',
  'questioned', 'blamed', 'sued', 'paid', 'awarded', 'withheld', 'concealed', 'disclosed', 'revealed', 'confirmed',
  'acknowledged', 'adopted', 'implemented', 'enforced', 'replaced', 'renewed', 'canceled', 'terminated', 'extended',
  'imposed', 'lifted', 'waived', 'banned', 'suspended', 'eliminated', 'reduced', 'increased', 'raised', 'expanded',
  'sought', 'held', 'found', 'brought', 'heard', 'told', 'sent', 'kept', 'built', 'lost', 'spent', 'paid for',
  'overturned', 'remanded', 'certified', 'enjoined', 'sanctioned', 'disciplined', 'fired', 'hired', 'trained', 'punished',
  'transferred', 'detained', 'confined', 'placed', 'searched', 'restrained', 'pepper-sprayed', 'tased', 'beat', 'shackled',
  'neglected', 'mistreated', 'monitored', 'inspected', 'audited', 'subpoenaed', 'deposed', 'contested', 'appealed', 'amended',
  'redacted', 'shredded', 'falsified', 'backdated', 'rescinded', 'codified', 'ratified', 'promulgated', 'litigated', 'adjudicated',
];

/** Verbs that take a "that" clause. */
export const SAY_VERBS: readonly string[] = [
  'said', 'found', 'argued', 'alleged', 'wrote', 'claimed', 'noted', 'held', 'concluded', 'ruled', 'testified', 'stated',
  'acknowledged', 'determined', 'reported', 'insisted', 'maintained', 'contended', 'asserted', 'observed', 'explained',
  'warned', 'admitted', 'conceded', 'agreed', 'countered', 'emphasized', 'recounted', 'speculated', 'averred',
];

export const ADJECTIVES: readonly string[] = [
  'federal', 'former', 'medical', 'constitutional', 'mental', 'inadequate', 'private', 'excessive', 'serious', 'dangerous',
  'public', 'local', 'new', 'unconstitutional', 'deliberate', 'solitary', 'pretrial', 'longtime', 'chronic', 'unsanitary',
  'cruel', 'unusual', 'basic', 'independent', 'internal', 'critical', 'unlawful', 'routine', 'significant', 'repeated',
  'systemic', 'widespread', 'severe', 'prolonged', 'unsafe', 'overcrowded', 'understaffed', 'emergency', 'punitive', 'arbitrary',
  'retaliatory', 'discriminatory', 'negligent', 'reckless', 'egregious', 'extraordinary', 'disturbing', 'troubling', 'alarming', 'deadly',
  'fatal', 'preventable', 'avoidable', 'undisclosed', 'confidential', 'disciplinary', 'administrative', 'protective', 'restrictive', 'humane',
  'squalid', 'sweltering', 'frigid', 'filthy', 'crumbling', 'antiquated', 'draconian', 'byzantine', 'perfunctory', 'cursory',
  'exculpatory', 'prejudicial', 'dispositive', 'frivolous', 'meritorious', 'nonviolent', 'indigent', 'incarcerated', 'juvenile', 'elderly',
];

export const ADVERBS: readonly string[] = [
  'also', 'later', 'still', 'repeatedly', 'never', 'only', 'recently', 'eventually', 'immediately', 'reportedly',
  'allegedly', 'previously', 'ultimately', 'routinely', 'quickly', 'finally', 'apparently', 'deliberately', 'consistently', 'effectively',
  'repeatedly', 'openly', 'quietly', 'publicly', 'formally', 'unanimously', 'summarily', 'belatedly', 'retroactively', 'inexplicably',
];

export const ROLES: readonly string[] = [
  'an attorney for the plaintiffs', 'a spokesperson for the department', 'the executive director of the advocacy group',
  'a former guard', 'a professor of law', 'the county sheriff', 'a public defender', 'a civil rights lawyer',
  'who was held at the jail for two years', 'a spokesman for the governor', 'the warden', 'a state senator',
  'the head of the prisoners union', 'a retired judge', 'a nurse who worked at the facility', 'a criminologist',
  'the mother of one of the men', 'a former prosecutor', 'the union president', 'a researcher who studies jail deaths',
];

export const DOCUMENTS: readonly string[] = [
  'the lawsuit', 'court records', 'the complaint', 'the ruling', 'the report', 'records obtained by reporters',
  'the audit', 'the autopsy', 'a state inspection', 'internal emails', 'the indictment', 'jail logs', 'testimony at trial',
  'a deposition', 'the settlement agreement', 'the consent decree', 'a federal investigation', 'the medical examiner',
];

export const CHARGES: readonly string[] = [
  'a probation violation', 'drug possession', 'a traffic warrant', 'theft', 'burglary', 'robbery', 'murder', 'assault',
  'shoplifting', 'trespassing', 'failure to pay fines', 'a parole violation', 'an immigration detainer', 'fraud',
  'driving with a suspended license', 'disorderly conduct', 'arson', 'kidnapping', 'manslaughter', 'vagrancy',
];

export const EVENTS: readonly string[] = [
  'the pandemic', 'a lockdown', 'a heat wave', 'the riot', 'a hunger strike', 'the hurricane', 'a staffing crisis',
  'the shooting', 'the escape', 'a power outage', 'the flood', 'a winter storm', 'an outbreak of COVID-19', 'the strike',
];

export const DAMAGES: readonly string[] = [
  'compensatory damages', 'punitive damages', 'damages', 'attorney fees', 'a settlement', 'back pay', 'restitution',
];

export const AMENDMENTS: readonly string[] = [
  'Eighth Amendment', 'Fourteenth Amendment', 'First Amendment', 'Fourth Amendment', 'Sixth Amendment',
  'Americans with Disabilities Act', 'Religious Land Use and Institutionalized Persons Act', 'Prison Rape Elimination Act',
  'Prison Litigation Reform Act', 'Fifth Amendment', 'Rehabilitation Act', 'Fair Labor Standards Act',
];

export const QUOTE_OPENERS: readonly string[] = [
  'This is', 'What happened here is', 'It was', 'This ruling is', 'The settlement is', 'Nobody deserves', 'We saw',
  'They knew about', 'This case is about', 'It should never have taken', 'The county chose', 'My son needed',
];

export const QUOTE_OBJECTS: readonly string[] = [
  'a victory for every person behind bars', 'a basic question of human dignity', 'exactly what the Constitution forbids',
  'a warning to every jail in the state', 'what happens when nobody is watching', 'a system that treats people as numbers',
  'years of neglect', 'the problem and did nothing', 'a long overdue step', 'a death sentence without a trial',
  'money over human lives', 'the bare minimum', 'medical care, not punishment', 'a pattern, not an accident',
];

/** How a story refers to its facility after naming it. */
export const FACILITY_REFERENCES: readonly string[] = [
  'facility', 'jail', 'prison', 'institution', 'lockup', 'complex', 'detention center', 'compound', 'stockade',
];

/** Words for a decision, as in "That decision was …". */
export const VERDICT_ADJECTIVES: readonly string[] = [
  'wrong', 'long overdue', 'correct', 'disappointing', 'unprecedented', 'inexcusable', 'historic', 'predictable',
  'shameful', 'courageous', 'narrow', 'sweeping', 'baffling', 'unconscionable', 'tepid', 'momentous',
];

/** Everyday things in and around a jail, for descriptive sentences (singular, no article). */
export const OBJECTS: readonly string[] = [
  'cell', 'door', 'floor', 'window', 'shower', 'toilet', 'sink', 'bunk', 'mattress', 'blanket', 'sheet', 'pillow',
  'tray', 'meal', 'sandwich', 'cup', 'bottle', 'sink', 'fan', 'vent', 'light', 'camera', 'phone', 'tablet', 'kiosk',
  'letter', 'envelope', 'book', 'newspaper', 'magazine', 'bible', 'photograph', 'drawing', 'notebook', 'pencil',
  'yard', 'fence', 'gate', 'hallway', 'stairwell', 'kitchen', 'laundry', 'chapel', 'gym', 'library', 'classroom',
  'infirmary', 'clinic', 'pharmacy', 'ambulance', 'hospital', 'van', 'bus', 'truck', 'car', 'road', 'parking lot',
  'roof', 'wall', 'ceiling', 'pipe', 'drain', 'boiler', 'generator', 'heater', 'thermostat', 'refrigerator', 'freezer',
  'uniform', 'jumpsuit', 'sock', 'shoe', 'boot', 'coat', 'glove', 'towel', 'soap', 'toothbrush', 'toothpaste', 'razor',
  'wheelchair', 'cane', 'walker', 'crutch', 'inhaler', 'pill', 'syringe', 'bandage', 'cast', 'splint', 'catheter',
  'radio', 'television', 'clock', 'calendar', 'desk', 'chair', 'table', 'bench', 'locker', 'shelf', 'box', 'bag',
  'key', 'lock', 'handcuff', 'chain', 'belt', 'baton', 'shield', 'helmet', 'vest', 'flashlight', 'whistle', 'dog',
  'form', 'file', 'folder', 'ledger', 'logbook', 'spreadsheet', 'memo', 'email', 'invoice', 'receipt', 'check', 'stamp',
  'window screen', 'water fountain', 'ice machine', 'smoke detector', 'sprinkler', 'fire extinguisher', 'intercom', 'panic button',
  'cot', 'hammock', 'tarp', 'tent', 'trailer', 'barracks', 'dormitory', 'tier', 'catwalk', 'sally port', 'cage', 'kennel',
  'potato', 'bologna', 'oatmeal', 'rice', 'beans', 'cornbread', 'coffee', 'ramen', 'peanut butter', 'apple', 'orange', 'milk',
  'rash', 'fever', 'cough', 'wound', 'bruise', 'burn', 'fracture', 'seizure', 'stroke', 'infection', 'abscess', 'tumor',
  'gasket', 'grate', 'hinge', 'rivet', 'gurney', 'stretcher', 'defibrillator', 'tourniquet', 'straitjacket', 'spit hood', 'manacle', 'turnstile',
];

/** Adjectives for things. */
export const OBJECT_ADJECTIVES: readonly string[] = [
  'broken', 'dirty', 'old', 'small', 'cold', 'hot', 'wet', 'dark', 'cracked', 'rusted', 'moldy', 'leaking', 'empty',
  'locked', 'missing', 'damaged', 'new', 'narrow', 'concrete', 'metal', 'plastic', 'steel', 'flooded', 'filthy',
  'stained', 'torn', 'thin', 'heavy', 'shared', 'single', 'bare', 'windowless', 'cramped', 'noisy', 'stifling', 'freezing',
  'spoiled', 'rotten', 'expired', 'counterfeit', 'makeshift', 'jury-rigged', 'corroded', 'scorched', 'mildewed', 'threadbare',
];

/** Places in a sentence: "in the …". */
export const SPOTS: readonly string[] = [
  'day room', 'intake area', 'medical unit', 'booking area', 'visiting room', 'segregation unit', 'mental health unit',
  'recreation yard', 'dining hall', 'holding cell', 'transport van', 'courtroom', 'hallway', 'shower area', 'sally port',
  'control room', 'observation cell', 'padded cell', 'drunk tank', 'chow hall', 'commissary line', 'law library',
];

export const KIN: readonly string[] = [
  'mother', 'father', 'sister', 'brother', 'wife', 'husband', 'daughter', 'son', 'grandmother', 'aunt', 'uncle', 'cousin',
  'fiancee', 'stepfather', 'godmother', 'nephew', 'niece',
];

/** "… had been <state> for weeks". */
export const OBJECT_STATES: readonly string[] = [
  'broken', 'out of order', 'missing', 'shut off', 'leaking', 'locked', 'unplugged', 'covered in mold', 'flooded',
  'infested with insects', 'boarded up', 'disconnected', 'jammed', 'on backorder',
];

/** Abstract nouns for "questions about … and …", "a culture of …". */
export const ABSTRACTS: readonly string[] = [
  'accountability', 'transparency', 'oversight', 'safety', 'negligence', 'corruption', 'cruelty', 'secrecy', 'indifference',
  'retaliation', 'racism', 'dignity', 'fairness', 'justice', 'privacy', 'due process', 'public health', 'staffing', 'training',
  'discipline', 'supervision', 'impunity', 'abuse', 'neglect', 'violence', 'fear', 'intimidation', 'silence', 'complacency',
  'mismanagement', 'waste', 'fraud', 'profiteering', 'privatization', 'austerity', 'overcrowding', 'isolation', 'despair',
  'addiction', 'poverty', 'homelessness', 'mental illness', 'disability', 'aging', 'dementia', 'trauma', 'grief', 'recidivism',
  'rehabilitation', 'reentry', 'education', 'employment', 'housing', 'family contact', 'visitation', 'religious liberty',
  'free speech', 'censorship', 'surveillance', 'data collection', 'facial recognition', 'algorithmic risk scores', 'cash bail',
  'plea bargaining', 'mass incarceration', 'sentencing disparities', 'mandatory minimums', 'truth in sentencing', 'clemency',
  'compassionate release', 'good time', 'earned credits', 'probation revocations', 'technical violations', 'fines and fees',
  'civil asset forfeiture', 'qualified immunity', 'sovereign immunity', 'exhaustion', 'standing', 'mootness', 'ripeness',
  'comity', 'federalism', 'abstention', 'preemption', 'severability', 'vagueness', 'overbreadth', 'proportionality',
  'culpability', 'causation', 'foreseeability', 'recklessness', 'malice', 'mens rea', 'deterrence', 'retribution', 'incapacitation',
  'restorative justice', 'victim compensation', 'expungement', 'disenfranchisement', 'gerrymandering', 'prison labor', 'peonage',
  'servitude', 'convict leasing', 'chain gangs', 'debtors prisons', 'pay-to-stay', 'kickbacks', 'nepotism', 'cronyism',
  'whistleblowing', 'malfeasance', 'nonfeasance', 'obstruction', 'perjury', 'spoliation', 'contempt', 'recusal', 'vindictiveness',
  'acquiescence', 'ambivalence', 'obfuscation', 'intransigence', 'parsimony', 'sclerosis', 'torpor', 'venality', 'opprobrium',
];

export const CRITICS: readonly string[] = [
  'Advocates', 'Critics', 'Civil rights groups', 'Former prisoners', 'Family members', 'Defense lawyers', 'Researchers',
  'Legal experts', 'Community organizers', 'Faith leaders', 'Public health experts', 'Some lawmakers', 'Editorial boards',
  'Prison reform groups', 'Whistleblowers', 'Retired wardens', 'Union leaders', 'Journalists',
];

export const MORE_ADJECTIVES: readonly string[] = [
  'urgent', 'obvious', 'unclear', 'ongoing', 'recent', 'final', 'initial', 'formal', 'informal', 'legal', 'illegal', 'financial',
  'physical', 'psychological', 'emotional', 'medical', 'clinical', 'forensic', 'statistical', 'historical', 'political', 'racial',
  'religious', 'economic', 'criminal', 'civil', 'judicial', 'legislative', 'executive', 'municipal', 'regional', 'national',
  'rural', 'urban', 'suburban', 'remote', 'isolated', 'aging', 'crowded', 'notorious', 'infamous', 'controversial', 'secretive',
  'opaque', 'lax', 'strict', 'rigid', 'harsh', 'lenient', 'generous', 'modest', 'substantial', 'nominal', 'hefty', 'meager',
  'costly', 'lucrative', 'profitable', 'exorbitant', 'predatory', 'exploitative', 'abusive', 'violent', 'hostile', 'volatile',
  'tense', 'chaotic', 'orderly', 'quiet', 'vague', 'specific', 'detailed', 'thorough', 'shoddy', 'sloppy', 'careless', 'callous',
  'indifferent', 'sympathetic', 'skeptical', 'incredulous', 'blunt', 'scathing', 'withering', 'stinging', 'terse', 'lengthy',
  'unsigned', 'unpublished', 'nonprecedential', 'interlocutory', 'sua sponte', 'ex parte', 'de novo', 'plenary', 'equitable',
  'declaratory', 'injunctive', 'compensatory', 'nominal', 'statutory', 'regulatory', 'contractual', 'fiduciary', 'vicarious',
  'supervisory', 'custodial', 'carceral', 'penal', 'punitive', 'remedial', 'prophylactic', 'ameliorative', 'Kafkaesque', 'Dickensian',
];

export const MORE_VERBS: readonly string[] = [
  'noted', 'described', 'recorded', 'counted', 'tracked', 'measured', 'estimated', 'calculated', 'compared', 'analyzed',
  'surveyed', 'interviewed', 'contacted', 'visited', 'toured', 'photographed', 'filmed', 'published', 'posted', 'shared',
  'leaked', 'forwarded', 'flagged', 'highlighted', 'underscored', 'stressed', 'praised', 'welcomed', 'condemned', 'denounced',
  'decried', 'lamented', 'mourned', 'celebrated', 'protested', 'boycotted', 'petitioned', 'lobbied', 'funded', 'defunded',
  'budgeted', 'allocated', 'diverted', 'misspent', 'embezzled', 'laundered', 'pocketed', 'billed', 'overbilled', 'reimbursed',
  'refunded', 'garnished', 'seized', 'confiscated', 'destroyed', 'discarded', 'misplaced', 'recovered', 'retrieved', 'restored',
  'repaired', 'renovated', 'demolished', 'closed', 'opened', 'reopened', 'relocated', 'consolidated', 'outsourced', 'privatized',
];

export const OCCUPATIONS: readonly string[] = [
  'mechanic', 'cook', 'truck driver', 'roofer', 'welder', 'carpenter', 'electrician', 'plumber', 'painter', 'landscaper',
  'cashier', 'waitress', 'bartender', 'dishwasher', 'janitor', 'security guard', 'forklift operator', 'warehouse worker',
  'nursing assistant', 'home health aide', 'barber', 'hairdresser', 'tattoo artist', 'musician', 'drummer', 'pastor',
  'youth counselor', 'teacher', 'substitute teacher', 'bus driver', 'delivery driver', 'farmworker', 'fisherman', 'logger',
  'miner', 'oil field worker', 'machinist', 'bricklayer', 'drywall installer', 'tow truck driver', 'auto detailer',
  'veterinary technician', 'dental hygienist', 'paralegal', 'bookkeeper', 'accountant', 'real estate agent', 'insurance agent',
  'college student', 'high school senior', 'army veteran', 'marine veteran', 'navy veteran', 'firefighter', 'paramedic',
  'daycare worker', 'seamstress', 'upholsterer', 'locksmith', 'glazier', 'boilermaker', 'steelworker', 'longshoreman',
  'butcher', 'baker', 'line cook', 'sous chef', 'caterer', 'florist', 'tailor', 'cobbler', 'jeweler', 'pawnbroker',
];

export const HOBBIES: readonly string[] = [
  'fishing', 'basketball', 'football', 'baseball', 'boxing', 'chess', 'drawing', 'painting', 'writing poetry', 'gardening',
  'cooking', 'singing in the church choir', 'playing guitar', 'fixing cars', 'hunting', 'camping', 'hiking', 'dancing',
  'reading mysteries', 'coaching youth soccer', 'woodworking', 'sewing', 'crocheting', 'bowling', 'skateboarding', 'rapping',
  'photography', 'birdwatching', 'collecting coins', 'restoring motorcycles', 'playing dominoes', 'playing the trumpet',
  'volunteering at a food bank', 'mentoring teenagers', 'building model airplanes', 'beekeeping', 'knitting', 'origami',
];

export const CONDITIONS: readonly string[] = [
  'diabetes', 'high blood pressure', 'asthma', 'epilepsy', 'schizophrenia', 'bipolar disorder', 'depression', 'anxiety',
  'heart disease', 'kidney disease', 'liver disease', 'hepatitis C', 'HIV', 'cancer', 'sickle cell disease', 'COPD',
  'post-traumatic stress disorder', 'a traumatic brain injury', 'an intellectual disability', 'autism', 'dementia',
  'opioid use disorder', 'alcohol use disorder', 'a seizure disorder', 'multiple sclerosis', 'lupus', 'glaucoma',
  'cataracts', 'a hernia', 'an ulcer', 'pneumonia', 'tuberculosis', 'sepsis', 'diverticulitis', 'pancreatitis',
  'a heart murmur', 'congestive heart failure', 'emphysema', 'cirrhosis', 'sarcoidosis', 'myasthenia gravis', 'Crohn disease',
];
