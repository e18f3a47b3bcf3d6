// Reading an answer out of a model's reply, comparing it with the expected one, majority
// votes over samples, and the confidence interval of an accuracy.
#pragma once

#include "TaskSet.h"

#include <string>
#include <utility>
#include <vector>

namespace llmlab {

/// `answer` brought to the form it is compared in (see AnswerNorm); "" when nothing usable
/// is there (no number in a Number answer, an empty reply).
std::string normalizeAnswer(const std::string& answer, AnswerNorm norm);

struct ExtractedAnswer {
    std::string raw;        ///< the part of the reply taken as the answer
    std::string normalized; ///< "" when none was found
};

/// The answer in `reply`: a reasoning reply (`reasoning`) through the set's cot pattern, else
/// its last number (Number sets), else its last line; a direct reply through the item's or
/// the set's pattern, else its first line. A pattern's first group is the answer (the whole
/// match when it has none); patterns are ECMAScript, matched case-insensitively.
ExtractedAnswer extractAnswer(const std::string& reply, const TaskSet& set, const TaskItem& item,
                              bool reasoning);

/// True when the normalized answer equals the item's normalized expected answer.
bool isCorrect(const std::string& normalized, const TaskSet& set, const TaskItem& item);

struct VoteResult {
    std::string winner; ///< "" when no sample had an answer
    /// Each distinct answer and its votes, most votes first (ties: first sampled first).
    std::vector<std::pair<std::string, int>> counts;
    bool tie = false; ///< the top count is shared; the winner is the one sampled first
    int voters = 0;   ///< samples with an answer
};

/// Majority vote over normalized answers ("" does not vote).
VoteResult majorityVote(const std::vector<std::string>& answers);

/// Wilson score interval for `correct` successes out of `total` at z (1.96: 95%).
std::pair<double, double> wilsonInterval(int correct, int total, double z = 1.96);

} // namespace llmlab
