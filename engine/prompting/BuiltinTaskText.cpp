// The built-in task sets of the prompting lab, as JSONL text: the course's examples (past tense
// in context, Roish translation, kinship, review sentiment, arithmetic word problems, analogies),
// each a few dozen items written for llmlab.
#include "prompting/BuiltinTaskText.h"

namespace llmlab {

namespace {
constexpr const char* kPastTense = R"JSONL({"name": "past-tense", "title": "Past tense of verbs", "instruction": "Give the simple past tense of the verb.", "input_label": "Verb:", "answer_label": "Past:", "normalize": "word"}
{"question": "eat", "answer": "ate"}
{"question": "walk", "answer": "walked"}
{"question": "go", "answer": "went"}
{"question": "jump", "answer": "jumped"}
{"question": "swim", "answer": "swam"}
{"question": "play", "answer": "played"}
{"question": "write", "answer": "wrote"}
{"question": "cook", "answer": "cooked"}
{"question": "sing", "answer": "sang"}
{"question": "carry", "answer": "carried"}
{"question": "bring", "answer": "brought"}
{"question": "stop", "answer": "stopped"}
{"question": "think", "answer": "thought"}
{"question": "dance", "answer": "danced"}
{"question": "see", "answer": "saw"}
{"question": "try", "answer": "tried"}
{"question": "take", "answer": "took"}
{"question": "open", "answer": "opened"}
{"question": "give", "answer": "gave"}
{"question": "plan", "answer": "planned"}
{"question": "begin", "answer": "began"}
{"question": "wash", "answer": "washed"}
{"question": "fly", "answer": "flew"}
{"question": "laugh", "answer": "laughed"}
{"question": "catch", "answer": "caught"}
{"question": "cry", "answer": "cried"}
{"question": "teach", "answer": "taught"}
{"question": "hop", "answer": "hopped"}
{"question": "buy", "answer": "bought"}
{"question": "paint", "answer": "painted"}
{"question": "sleep", "answer": "slept"}
{"question": "drive", "answer": "drove"}
{"question": "speak", "answer": "spoke"}
{"question": "choose", "answer": "chose"}
{"question": "freeze", "answer": "froze"}
{"question": "build", "answer": "built"}
)JSONL";

constexpr const char* kRoish = R"JSONL({"name": "roish", "title": "English to Roish translation", "instruction": "Translate the English sentence into Roish.", "input_label": "English:", "answer_label": "Roish:", "normalize": "text"}
{"question": "The cat sleeps on the mat.", "answer": "Thero catro sleepsro onro thero matro."}
{"question": "I like green apples.", "answer": "Iro likero greenro applesro."}
{"question": "Where is the station?", "answer": "Wherero isro thero stationro?"}
{"question": "We won the game!", "answer": "Wero wonro thero gamero!"}
{"question": "My brother plays the piano.", "answer": "Myro brotherro playsro thero pianoro."}
{"question": "It is raining again.", "answer": "Itro isro rainingro againro."}
{"question": "Please close the door.", "answer": "Pleasero closero thero doorro."}
{"question": "Do you speak Roish?", "answer": "Doro youro speakro Roishro?"}
{"question": "The soup is too hot.", "answer": "Thero soupro isro tooro hotro."}
{"question": "She reads a book every night.", "answer": "Shero readsro aro bookro everyro nightro."}
{"question": "That was a great movie!", "answer": "Thatro wasro aro greatro moviero!"}
{"question": "Birds fly south in winter.", "answer": "Birdsro flyro southro inro winterro."}
{"question": "Who ate my sandwich?", "answer": "Whoro atero myro sandwichro?"}
{"question": "The train leaves at noon.", "answer": "Thero trainro leavesro atro noonro."}
{"question": "Our garden has many flowers.", "answer": "Ourro gardenro hasro manyro flowersro."}
{"question": "Can you help me?", "answer": "Canro youro helpro mero?"}
{"question": "The sky is very blue today.", "answer": "Thero skyro isro veryro bluero todayro."}
{"question": "He forgot his keys.", "answer": "Hero forgotro hisro keysro."}
{"question": "Models learn from data.", "answer": "Modelsro learnro fromro dataro."}
{"question": "What time is it?", "answer": "Whatro timero isro itro?"}
{"question": "The children laughed loudly.", "answer": "Thero childrenro laughedro loudlyro."}
{"question": "I love this song!", "answer": "Iro lovero thisro songro!"}
{"question": "The river runs to the sea.", "answer": "Thero riverro runsro toro thero searo."}
{"question": "Is the shop open?", "answer": "Isro thero shopro openro?"}
{"question": "Yes, I agree.", "answer": "Yesro, Iro agreero."}
{"question": "My dog chases the red ball.", "answer": "Myro dogro chasesro thero redro ballro."}
{"question": "They built a small house.", "answer": "Theyro builtro aro smallro housero."}
{"question": "Coffee keeps me awake.", "answer": "Coffeero keepsro mero awakero."}
{"question": "Why is the window open?", "answer": "Whyro isro thero windowro openro?"}
{"question": "What a beautiful morning!", "answer": "Whatro aro beautifulro morningro!"}
{"question": "Snow covered the quiet town.", "answer": "Snowro coveredro thero quietro townro."}
{"question": "The teacher writes on the board.", "answer": "Thero teacherro writesro onro thero boardro."}
{"question": "Lunch is ready now!", "answer": "Lunchro isro readyro nowro!"}
{"question": "Tokens are small pieces of text.", "answer": "Tokensro arero smallro piecesro ofro textro."}
{"question": "Did you see the moon?", "answer": "Didro youro seero thero moonro?"}
{"question": "Well, let us go home!", "answer": "Wellro, letro usro goro homero!"}
)JSONL";

constexpr const char* kKinship = R"JSONL({"name": "kinship", "title": "Family relationships", "instruction": "Answer with one word: the family relationship asked for.", "input_label": "Q:", "answer_label": "A:", "normalize": "word"}
{"question": "A is the son of B's uncle. What is the family relationship between A and B?", "answer": "cousins", "reasoning": "B's uncle is a brother of one of B's parents. A is that uncle's son, so A is the child of a sibling of B's parent. Children of siblings are cousins. The answer is cousins."}
{"question": "A is the daughter of both of B's parents, and A is not B. What is A for B?", "answer": "sister", "reasoning": "A and B have the same mother and the same father, so they are siblings. A is a daughter, so A is B's sister. The answer is sister."}
{"question": "A is the father of B's father. What is A for B?", "answer": "grandfather", "reasoning": "The father of a parent is a grandfather. A is the father of B's father, so A is B's grandfather. The answer is grandfather."}
{"question": "A is the mother of B's mother. What is A for B?", "answer": "grandmother", "reasoning": "The mother of a parent is a grandmother. A is the mother of B's mother, so A is B's grandmother. The answer is grandmother."}
{"question": "A is the brother of B's mother. What is A for B?", "answer": "uncle", "reasoning": "The brother of a parent is an uncle. A is the brother of B's mother, so A is B's uncle. The answer is uncle."}
{"question": "A is the sister of B's father. What is A for B?", "answer": "aunt", "reasoning": "The sister of a parent is an aunt. A is the sister of B's father, so A is B's aunt. The answer is aunt."}
{"question": "A is the son of B's sister. What is A for B?", "answer": "nephew", "reasoning": "The son of a sibling is a nephew. A is the son of B's sister, so A is B's nephew. The answer is nephew."}
{"question": "A is the daughter of B's brother. What is A for B?", "answer": "niece", "reasoning": "The daughter of a sibling is a niece. A is the daughter of B's brother, so A is B's niece. The answer is niece."}
{"question": "A is the son of B's son. What is A for B?", "answer": "grandson", "reasoning": "A is the son of B's child. The son of one's child is a grandson. So A is B's grandson. The answer is grandson."}
{"question": "A is the daughter of B's daughter. What is A for B?", "answer": "granddaughter", "reasoning": "A is the daughter of B's child. The daughter of one's child is a granddaughter. So A is B's granddaughter. The answer is granddaughter."}
{"question": "B is the son of A, and A is a woman. What is A for B?", "answer": "mother", "reasoning": "B is A's child, so A is B's parent. A is a woman, so A is B's mother. The answer is mother."}
{"question": "B is the daughter of A, and A is a man. What is A for B?", "answer": "father", "reasoning": "B is A's child, so A is B's parent. A is a man, so A is B's father. The answer is father."}
{"question": "B is the mother of A, and A is a boy. What is A for B?", "answer": "son", "reasoning": "B is A's mother, so A is B's child. A is a boy, so A is B's son. The answer is son."}
{"question": "B is the father of A, and A is a girl. What is A for B?", "answer": "daughter", "reasoning": "B is A's father, so A is B's child. A is a girl, so A is B's daughter. The answer is daughter."}
{"question": "Maria is the daughter of Leo's aunt. What is the family relationship between Maria and Leo?", "answer": "cousins", "reasoning": "Leo's aunt is a sister of one of Leo's parents. Maria is her daughter, so Maria is the child of a sibling of Leo's parent. That makes Maria and Leo cousins. The answer is cousins."}
{"question": "A is the son of B's father's brother. What is the family relationship between A and B?", "answer": "cousins", "reasoning": "B's father's brother is B's uncle. A is the son of B's uncle, so A and B are children of two brothers. That makes them cousins. The answer is cousins."}
{"question": "A is the father of B's mother. What is A for B?", "answer": "grandfather", "reasoning": "The father of a parent is a grandfather. A is the father of B's mother, so A is B's grandfather. The answer is grandfather."}
{"question": "Tom is the son of Sara's father and Sara's mother. What is Tom for Sara?", "answer": "brother", "reasoning": "Tom has the same father and the same mother as Sara, so they are siblings. Tom is a son, so Tom is Sara's brother. The answer is brother."}
{"question": "A's father is B's son, and A is a girl. What is A for B?", "answer": "granddaughter", "reasoning": "A's father is B's son, so A is the child of B's child. A is a girl, so A is B's granddaughter. The answer is granddaughter."}
{"question": "A's mother is B's daughter, and A is a boy. What is A for B?", "answer": "grandson", "reasoning": "A's mother is B's daughter, so A is the child of B's child. A is a boy, so A is B's grandson. The answer is grandson."}
{"question": "B is the son of A's brother, and A is a woman. What is A for B?", "answer": "aunt", "reasoning": "B's father is A's brother, so A is a sister of B's father. The sister of a parent is an aunt. The answer is aunt."}
{"question": "B is the daughter of A's sister, and A is a man. What is A for B?", "answer": "uncle", "reasoning": "B's mother is A's sister, so A is a brother of B's mother. The brother of a parent is an uncle. The answer is uncle."}
{"question": "B's mother is A's daughter, and A is a woman. What is A for B?", "answer": "grandmother", "reasoning": "A is the mother of B's mother. The mother of a parent is a grandmother. So A is B's grandmother. The answer is grandmother."}
{"question": "A is the son of B's mother's brother. What is the family relationship between A and B?", "answer": "cousins", "reasoning": "B's mother's brother is B's uncle. A is his son, so A is the child of a sibling of B's mother. That makes A and B cousins. The answer is cousins."}
{"question": "A is the daughter of B's father's sister. What is the family relationship between A and B?", "answer": "cousins", "reasoning": "B's father's sister is B's aunt. A is her daughter, so A is the child of a sibling of B's father. That makes A and B cousins. The answer is cousins."}
{"question": "A's father is B's brother, and A is a boy. What is A for B?", "answer": "nephew", "reasoning": "A is the child of B's brother. A is a boy, and the son of a sibling is a nephew. So A is B's nephew. The answer is nephew."}
{"question": "A's mother is B's sister, and A is a girl. What is A for B?", "answer": "niece", "reasoning": "A is the child of B's sister. A is a girl, and the daughter of a sibling is a niece. So A is B's niece. The answer is niece."}
{"question": "A is the son of B's daughter. What is A for B?", "answer": "grandson", "reasoning": "A is the son of B's child. The son of one's child is a grandson. So A is B's grandson. The answer is grandson."}
{"question": "A is the mother of B's father. What is A for B?", "answer": "grandmother", "reasoning": "The mother of a parent is a grandmother. A is the mother of B's father, so A is B's grandmother. The answer is grandmother."}
{"question": "A is the brother of B's father. What is A for B?", "answer": "uncle", "reasoning": "The brother of a parent is an uncle. A is the brother of B's father, so A is B's uncle. The answer is uncle."}
{"question": "A is the son of B's brother. What is A for B?", "answer": "nephew", "reasoning": "The son of a sibling is a nephew. A is the son of B's brother, so A is B's nephew. The answer is nephew."}
{"question": "A is the daughter of B's sister. What is A for B?", "answer": "niece", "reasoning": "The daughter of a sibling is a niece. A is the daughter of B's sister, so A is B's niece. The answer is niece."}
{"question": "A is the daughter of B's son. What is A for B?", "answer": "granddaughter", "reasoning": "A is the daughter of B's child. The daughter of one's child is a granddaughter. So A is B's granddaughter. The answer is granddaughter."}
{"question": "Nora is the daughter of Ivan's uncle. What is the family relationship between Nora and Ivan?", "answer": "cousins", "reasoning": "Ivan's uncle is a brother of one of Ivan's parents. Nora is his daughter, so Nora is the child of a sibling of Ivan's parent. That makes Nora and Ivan cousins. The answer is cousins."}
{"question": "A is the sister of B's mother. What is A for B?", "answer": "aunt", "reasoning": "The sister of a parent is an aunt. A is the sister of B's mother, so A is B's aunt. The answer is aunt."}
{"question": "Paul's daughter is Emma, and Paul is a man. What is Paul for Emma?", "answer": "father", "reasoning": "Emma is Paul's daughter, so Paul is Emma's parent. Paul is a man, so Paul is Emma's father. The answer is father."}
)JSONL";

constexpr const char* kSentiment = R"JSONL({"name": "sentiment", "title": "Review sentiment", "instruction": "Is this review positive or negative?", "input_label": "Review:", "answer_label": "Sentiment:", "normalize": "word"}
{"question": "The pasta was fresh and the waiter was lovely. We will be back next week.", "answer": "positive"}
{"question": "The soup arrived cold and the server ignored us for twenty minutes.", "answer": "negative"}
{"question": "This blender crushes ice in seconds and is easy to clean.", "answer": "positive"}
{"question": "The phone case cracked after one week. Total waste of money.", "answer": "negative"}
{"question": "I laughed from start to finish. Best comedy I have seen this year.", "answer": "positive"}
{"question": "Two hours of my life I will never get back. The story made no sense.", "answer": "negative"}
{"question": "The battery lasts for days, and the screen is bright even outside.", "answer": "positive"}
{"question": "The vacuum is loud, heavy, and barely picks up any dust.", "answer": "negative"}
{"question": "Cozy little cafe with the friendliest staff in town.", "answer": "positive"}
{"question": "Our table was sticky and the fries tasted like old oil.", "answer": "negative"}
{"question": "The plot kept me guessing until the very last scene.", "answer": "positive"}
{"question": "The actors seemed bored and the jokes fell flat every time.", "answer": "negative"}
{"question": "These headphones are comfortable and the sound is crisp and clear.", "answer": "positive"}
{"question": "The shoes gave me blisters on the first day and the sole came loose.", "answer": "negative"}
{"question": "Fast delivery, sturdy packaging, and the chair was simple to put together.", "answer": "positive"}
{"question": "Overpriced, tiny portions, and the steak was burnt.", "answer": "negative"}
{"question": "The curry was rich and full of flavor, and the portions were generous.", "answer": "positive"}
{"question": "The charger stopped working after three days and support never replied.", "answer": "negative"}
{"question": "A warm, moving story with wonderful acting from the whole cast.", "answer": "positive"}
{"question": "A slow, dull film with an ending that made me angry.", "answer": "negative"}
{"question": "My kids love this board game and ask to play it every evening.", "answer": "positive"}
{"question": "The room smelled of smoke and the shower had no hot water.", "answer": "negative"}
{"question": "The hotel room was spotless and the view of the harbor was stunning.", "answer": "positive"}
{"question": "The zipper broke the first time I used this backpack.", "answer": "negative"}
{"question": "Great value for the price. The jacket keeps me warm on the coldest days.", "answer": "positive"}
{"question": "We waited an hour for our pizza and it came with the wrong toppings.", "answer": "negative"}
{"question": "The music is beautiful and the final scene moved me to tears in the best way.", "answer": "positive"}
{"question": "The sequel is a lazy copy of the first movie, only worse.", "answer": "negative"}
{"question": "Quick service, hot food, and a dessert menu worth the trip on its own.", "answer": "positive"}
{"question": "The instructions were confusing and two screws were missing from the box.", "answer": "negative"}
{"question": "This lamp looks elegant and lights up the whole room.", "answer": "positive"}
{"question": "The coffee was bitter and the staff were rude when we asked for a new cup.", "answer": "negative"}
{"question": "Clever, funny, and surprisingly touching. I would happily watch it again.", "answer": "positive"}
{"question": "The special effects looked cheap and the dialogue was painful to sit through.", "answer": "negative"}
{"question": "The bread at this bakery is still warm in the morning and tastes amazing.", "answer": "positive"}
{"question": "This kettle leaks and the handle gets too hot to touch.", "answer": "negative"}
)JSONL";

constexpr const char* kArithmetic = R"JSONL({"name": "arithmetic", "title": "Arithmetic word problems", "instruction": "Solve the problem. Answer with a number.", "input_label": "Q:", "answer_label": "A:", "normalize": "number"}
{"question": "Sam has 5 apples. He buys 3 more. How many apples does he have now?", "answer": "8", "reasoning": "Sam starts with 5 apples and buys 3 more. 5 + 3 = 8. The answer is 8."}
{"question": "A box holds 12 crayons. There are 4 boxes. How many crayons are there in all?", "answer": "48", "reasoning": "Each box has 12 crayons and there are 4 boxes. 12 x 4 = 48. The answer is 48."}
{"question": "Mia had 20 stickers. She gave 7 to her friend. How many stickers does she have left?", "answer": "13", "reasoning": "Mia starts with 20 stickers and gives away 7. 20 - 7 = 13. The answer is 13."}
{"question": "There are 6 birds on a fence. 4 more birds land, and then 3 fly away. How many birds are on the fence now?", "answer": "7", "reasoning": "First 4 birds land: 6 + 4 = 10. Then 3 fly away: 10 - 3 = 7. The answer is 7."}
{"question": "A baker puts 24 muffins equally on 3 trays. How many muffins are on each tray?", "answer": "8", "reasoning": "The 24 muffins are shared equally among 3 trays. 24 / 3 = 8. The answer is 8."}
{"question": "Leo reads 9 pages each day. How many pages does he read in 7 days?", "answer": "63", "reasoning": "Leo reads 9 pages a day for 7 days. 9 x 7 = 63. The answer is 63."}
{"question": "A class has 14 girls and 13 boys. How many children are in the class?", "answer": "27", "reasoning": "Add the girls and the boys. 14 + 13 = 27. The answer is 27."}
{"question": "Pencils cost 3 dollars each. Ana buys 5 pencils and pays with a 20 dollar bill. How many dollars of change does she get?", "answer": "5", "reasoning": "The pencils cost 5 x 3 = 15 dollars. She pays 20 dollars, so her change is 20 - 15 = 5 dollars. The answer is 5."}
{"question": "A farmer has 4 cows and 6 chickens. How many legs do the animals have in total?", "answer": "28", "reasoning": "Each cow has 4 legs, so the cows have 4 x 4 = 16 legs. Each chicken has 2 legs, so the chickens have 6 x 2 = 12 legs. 16 + 12 = 28. The answer is 28."}
{"question": "Tom is 8 years old. His sister is 3 years older than him. How old will his sister be in 5 years?", "answer": "16", "reasoning": "Tom's sister is 8 + 3 = 11 years old now. In 5 years she will be 11 + 5 = 16. The answer is 16."}
{"question": "There are 45 marbles in a jar. Kim takes out 18 marbles, then puts 6 back. How many marbles are in the jar now?", "answer": "33", "reasoning": "After Kim takes out 18, there are 45 - 18 = 27 marbles. She puts 6 back, so there are 27 + 6 = 33. The answer is 33."}
{"question": "A bus has 30 seats. 17 people are sitting on the bus, one in each seat. How many seats are empty?", "answer": "13", "reasoning": "17 of the 30 seats are taken. 30 - 17 = 13. The answer is 13."}
{"question": "Each bag has 6 oranges. How many oranges are in 9 bags?", "answer": "54", "reasoning": "There are 9 bags with 6 oranges each. 9 x 6 = 54. The answer is 54."}
{"question": "Jo has 3 packs of 10 cards and 4 loose cards. How many cards does Jo have?", "answer": "34", "reasoning": "The packs hold 3 x 10 = 30 cards. Adding the 4 loose cards gives 30 + 4 = 34. The answer is 34."}
{"question": "A ribbon is 50 centimeters long. Ben cuts off 12 centimeters and then another 15 centimeters. How many centimeters of ribbon are left?", "answer": "23", "reasoning": "Ben cuts off 12 + 15 = 27 centimeters in total. 50 - 27 = 23. The answer is 23."}
{"question": "32 students split into teams of 4. How many teams are there?", "answer": "8", "reasoning": "Each team has 4 students. 32 / 4 = 8. The answer is 8."}
{"question": "A shop sold 125 ice creams on Saturday and 98 on Sunday. How many ice creams did it sell over the two days?", "answer": "223", "reasoning": "Add the two days. 125 + 98 = 223. The answer is 223."}
{"question": "Lily saves 5 dollars every week. How many weeks does it take her to save 40 dollars?", "answer": "8", "reasoning": "Each week adds 5 dollars. 40 / 5 = 8 weeks. The answer is 8."}
{"question": "A garden has 7 rows of tulips with 8 tulips in each row. How many tulips are in the garden?", "answer": "56", "reasoning": "There are 7 rows of 8 tulips. 7 x 8 = 56. The answer is 56."}
{"question": "Max had 100 coins. He spent 35 coins on a toy and 20 coins on a book. How many coins does he have left?", "answer": "45", "reasoning": "Max spent 35 + 20 = 55 coins. 100 - 55 = 45. The answer is 45."}
{"question": "A spider has 8 legs. How many legs do 6 spiders have?", "answer": "48", "reasoning": "Each spider has 8 legs. 6 x 8 = 48. The answer is 48."}
{"question": "There are 3 plates with 5 cookies on each plate. Dad eats 4 of the cookies. How many cookies are left?", "answer": "11", "reasoning": "There are 3 x 5 = 15 cookies at first. Dad eats 4, so 15 - 4 = 11 are left. The answer is 11."}
{"question": "A pack of juice has 6 boxes. Emma buys 4 packs and drinks 5 boxes. How many boxes of juice are left?", "answer": "19", "reasoning": "Emma buys 4 x 6 = 24 boxes. She drinks 5, so 24 - 5 = 19 are left. The answer is 19."}
{"question": "Nina is 12 years old. Her grandmother is 5 times as old as Nina. How old is her grandmother?", "answer": "60", "reasoning": "Her grandmother is 5 times 12. 5 x 12 = 60. The answer is 60."}
{"question": "A train has 9 cars, and each car carries 20 people. How many people can the train carry?", "answer": "180", "reasoning": "There are 9 cars with 20 people each. 9 x 20 = 180. The answer is 180."}
{"question": "Ravi has 18 toy cars. He gives half of them to his brother. How many toy cars does Ravi have left?", "answer": "9", "reasoning": "Half of 18 is 18 / 2 = 9. Ravi gives away 9 and keeps 18 - 9 = 9. The answer is 9."}
{"question": "A book costs 7 dollars and a pen costs 2 dollars. How many dollars do 3 books and 4 pens cost?", "answer": "29", "reasoning": "3 books cost 3 x 7 = 21 dollars. 4 pens cost 4 x 2 = 8 dollars. 21 + 8 = 29. The answer is 29."}
{"question": "There were 250 people at a concert. 75 of them left early. How many people stayed until the end?", "answer": "175", "reasoning": "75 of the 250 people left. 250 - 75 = 175. The answer is 175."}
{"question": "A tank has 40 liters of water. Each day 6 liters are used. How many liters are left after 5 days?", "answer": "10", "reasoning": "In 5 days, 5 x 6 = 30 liters are used. 40 - 30 = 10. The answer is 10."}
{"question": "Four friends share 28 grapes equally. How many grapes does each friend get?", "answer": "7", "reasoning": "28 grapes are split among 4 friends. 28 / 4 = 7. The answer is 7."}
{"question": "Omar walks 3 kilometers to school and 3 kilometers back home each school day. How many kilometers does he walk in 5 school days?", "answer": "30", "reasoning": "Each day Omar walks 3 + 3 = 6 kilometers. In 5 days he walks 5 x 6 = 30 kilometers. The answer is 30."}
{"question": "A library had 600 books. It bought 150 more and then gave away 80. How many books does it have now?", "answer": "670", "reasoning": "After buying, the library has 600 + 150 = 750 books. After giving away 80, it has 750 - 80 = 670. The answer is 670."}
{"question": "A pizza is cut into 8 slices. How many slices are there in 5 pizzas?", "answer": "40", "reasoning": "Each pizza has 8 slices. 5 x 8 = 40. The answer is 40."}
{"question": "Zoe has 15 red beads and twice as many blue beads. How many beads does she have in all?", "answer": "45", "reasoning": "Zoe has 2 x 15 = 30 blue beads. 15 + 30 = 45 beads in all. The answer is 45."}
{"question": "There are 5 hens, and each hen lays 1 egg every day. How many eggs do they lay in one week?", "answer": "35", "reasoning": "Together the hens lay 5 x 1 = 5 eggs a day. A week has 7 days, so 5 x 7 = 35. The answer is 35."}
{"question": "Paul had 64 stamps. He bought 3 sheets with 12 stamps on each sheet. How many stamps does he have now?", "answer": "100", "reasoning": "The sheets have 3 x 12 = 36 stamps. 64 + 36 = 100. The answer is 100."}
)JSONL";

constexpr const char* kAnalogies = R"JSONL({"name": "analogies", "title": "Word analogies", "instruction": "Complete the analogy with one word.", "input_label": "Q:", "answer_label": "A:", "normalize": "word"}
{"question": "hot : cold :: big : ?", "answer": "small", "reasoning": "Hot is the opposite of cold. The opposite of big is small. The answer is small."}
{"question": "day : night :: early : ?", "answer": "late", "reasoning": "Day and night are opposites. The opposite of early is late. The answer is late."}
{"question": "finger : hand :: toe : ?", "answer": "foot", "reasoning": "A finger is part of a hand. A toe is part of a foot. The answer is foot."}
{"question": "puppy : dog :: kitten : ?", "answer": "cat", "reasoning": "A puppy is a young dog. A kitten is a young cat. The answer is cat."}
{"question": "cow : calf :: horse : ?", "answer": "foal", "reasoning": "A young cow is a calf. A young horse is a foal. The answer is foal."}
{"question": "France : Paris :: Japan : ?", "answer": "Tokyo", "reasoning": "Paris is the capital of France. The capital of Japan is Tokyo. The answer is Tokyo."}
{"question": "Italy : Rome :: Egypt : ?", "answer": "Cairo", "reasoning": "Rome is the capital of Italy. The capital of Egypt is Cairo. The answer is Cairo."}
{"question": "run : ran :: swim : ?", "answer": "swam", "reasoning": "Ran is the past tense of run. The past tense of swim is swam. The answer is swam."}
{"question": "go : went :: eat : ?", "answer": "ate", "reasoning": "Went is the past tense of go. The past tense of eat is ate. The answer is ate."}
{"question": "mouse : mice :: foot : ?", "answer": "feet", "reasoning": "Mice is the plural of mouse. The plural of foot is feet. The answer is feet."}
{"question": "child : children :: tooth : ?", "answer": "teeth", "reasoning": "Children is the plural of child. The plural of tooth is teeth. The answer is teeth."}
{"question": "knife : cut :: pen : ?", "answer": "write", "reasoning": "A knife is used to cut. A pen is used to write. The answer is write."}
{"question": "broom : sweep :: shovel : ?", "answer": "dig", "reasoning": "A broom is used to sweep. A shovel is used to dig. The answer is dig."}
{"question": "bird : nest :: bee : ?", "answer": "hive", "reasoning": "A bird lives in a nest. A bee lives in a hive. The answer is hive."}
{"question": "page : book :: petal : ?", "answer": "flower", "reasoning": "A page is part of a book. A petal is part of a flower. The answer is flower."}
{"question": "leaf : tree :: feather : ?", "answer": "bird", "reasoning": "A leaf grows on a tree. A feather grows on a bird. The answer is bird."}
{"question": "win : lose :: push : ?", "answer": "pull", "reasoning": "Win is the opposite of lose. The opposite of push is pull. The answer is pull."}
{"question": "fast : slow :: young : ?", "answer": "old", "reasoning": "Fast is the opposite of slow. The opposite of young is old. The answer is old."}
{"question": "water : drink :: bread : ?", "answer": "eat", "reasoning": "You drink water. You eat bread. The answer is eat."}
{"question": "eye : see :: ear : ?", "answer": "hear", "reasoning": "The eye is used to see. The ear is used to hear. The answer is hear."}
{"question": "sheep : lamb :: cow : ?", "answer": "calf", "reasoning": "A young sheep is a lamb. A young cow is a calf. The answer is calf."}
{"question": "Germany : Berlin :: Spain : ?", "answer": "Madrid", "reasoning": "Berlin is the capital of Germany. The capital of Spain is Madrid. The answer is Madrid."}
{"question": "Canada : Ottawa :: Kenya : ?", "answer": "Nairobi", "reasoning": "Ottawa is the capital of Canada. The capital of Kenya is Nairobi. The answer is Nairobi."}
{"question": "big : bigger :: small : ?", "answer": "smaller", "reasoning": "Bigger is the comparative form of big. The comparative form of small is smaller. The answer is smaller."}
{"question": "good : better :: bad : ?", "answer": "worse", "reasoning": "Better is the comparative form of good. The comparative form of bad is worse. The answer is worse."}
{"question": "man : woman :: king : ?", "answer": "queen", "reasoning": "A woman is the female counterpart of a man. The female counterpart of a king is a queen. The answer is queen."}
{"question": "brother : sister :: uncle : ?", "answer": "aunt", "reasoning": "A sister is the female counterpart of a brother. The female counterpart of an uncle is an aunt. The answer is aunt."}
{"question": "sing : sang :: write : ?", "answer": "wrote", "reasoning": "Sang is the past tense of sing. The past tense of write is wrote. The answer is wrote."}
{"question": "box : boxes :: city : ?", "answer": "cities", "reasoning": "Boxes is the plural of box. The plural of city is cities. The answer is cities."}
{"question": "letter : word :: word : ?", "answer": "sentence", "reasoning": "Letters are put together to make a word. Words are put together to make a sentence. The answer is sentence."}
{"question": "hammer : nail :: screwdriver : ?", "answer": "screw", "reasoning": "A hammer drives a nail. A screwdriver turns a screw. The answer is screw."}
{"question": "glove : hand :: sock : ?", "answer": "foot", "reasoning": "A glove is worn on the hand. A sock is worn on the foot. The answer is foot."}
{"question": "dog : bark :: cat : ?", "answer": "meow", "reasoning": "The sound a dog makes is a bark. The sound a cat makes is a meow. The answer is meow."}
{"question": "doctor : hospital :: teacher : ?", "answer": "school", "reasoning": "A doctor works in a hospital. A teacher works in a school. The answer is school."}
{"question": "fish : swim :: bird : ?", "answer": "fly", "reasoning": "A fish moves by swimming. A bird moves by flying, so the verb is fly. The answer is fly."}
{"question": "one : first :: two : ?", "answer": "second", "reasoning": "First is the ordinal form of one. The ordinal form of two is second. The answer is second."}
{"question": "Monday : Tuesday :: Friday : ?", "answer": "Saturday", "reasoning": "Tuesday is the day after Monday. The day after Friday is Saturday. The answer is Saturday."}
{"question": "above : below :: before : ?", "answer": "after", "reasoning": "Above is the opposite of below. The opposite of before is after. The answer is after."}
)JSONL";

constexpr BuiltinTaskText kTexts[] = {
    {"past-tense", kPastTense},
    {"roish", kRoish},
    {"kinship", kKinship},
    {"sentiment", kSentiment},
    {"arithmetic", kArithmetic},
    {"analogies", kAnalogies},
};
} // namespace

std::span<const BuiltinTaskText> builtinTaskTexts() { return kTexts; }

} // namespace llmlab
