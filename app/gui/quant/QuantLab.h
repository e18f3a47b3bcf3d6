// The quantization lab pane: make a ladder of quantized files from the opened model (types,
// mixture rules or pure, an importance matrix from a calibration text), add files made
// elsewhere, and compare them on a text side by side — the table, KL along the text, the logit
// lens's drift by layer, each matrix's signal-to-noise, the next-token distributions.
#pragma once

#include "QuantJobs.h"

#include <QWidget>

class QCheckBox;
class QComboBox;
class QLabel;
class QLineEdit;
class QListWidget;
class QPushButton;
class QSpinBox;
class QTabWidget;
class QTableView;

namespace llmlab::views {
class KlPositionChart;
class LensDriftChart;
class QuantNextTokenChart;
class QuantLadderModel;
class TensorErrorMap;
class TensorErrorModel;
} // namespace llmlab::views

namespace llmlab::gui {

class QuantLab : public QWidget {
    Q_OBJECT
public:
    explicit QuantLab(JobRunner* runner, QWidget* parent = nullptr);
    ~QuantLab() override;

    static inline const QString kLadderJob = QStringLiteral("quant-ladder");
    static inline const QString kCompareJob = QStringLiteral("quant-compare");

    /// The opened model becomes the reference (the ladder and the results of another go).
    void setModel(std::shared_ptr<const ModelFile> model);
    /// Files of the ladder besides the reference.
    QStringList ladderFiles() const;
    void addLadderFiles(const QStringList& paths);
    /// Where "Make ladder" writes (default: the app's data folder, quant/).
    void setOutputFolder(const QString& dir);

    QLineEdit* schemesEdit() const { return m_schemes; }
    QCheckBox* pureBox() const { return m_pure; }
    QCheckBox* importanceBox() const { return m_importance; }
    QLineEdit* textEdit() const { return m_text; }
    QSpinBox* tokensBox() const { return m_tokens; }
    QSpinBox* decodeBox() const { return m_decode; }
    QPushButton* makeButton() const { return m_make; }
    QPushButton* compareButton() const { return m_compare; }
    QPushButton* stopButton() const { return m_stop; }
    QTableView* table() const { return m_table; }
    views::QuantLadderModel* ladderModel() const { return m_ladderModel; }
    views::KlPositionChart* klChart() const { return m_kl; }
    views::LensDriftChart* lensChart() const { return m_lens; }
    views::QuantNextTokenChart* nextTokenChart() const { return m_next; }
    views::TensorErrorMap* errorMap() const { return m_map; }
    views::TensorErrorModel* tensorModel() const { return m_tensorModel; }
    QComboBox* fileBox() const { return m_fileBox; }
    QTabWidget* tabs() const { return m_tabs; }
    QString message() const;
    int comparisonsFinished() const { return m_finished; }
    int laddersFinished() const { return m_laddersMade; }
    /// The ladder table (.csv) or the selected file's tensors (.csv with "tensors" in the name).
    bool exportTable(const QString& path, bool tensors, QString* error = nullptr) const;

public slots:
    void makeLadder();
    void compare();
    void stop();

private:
    void showResult(const QuantCompareResult& r);
    void showFile(int index);
    void jobEnded(const QString& message);
    void setMessage(const QString& text);
    void updateButtons();

    JobRunner* m_runner;
    std::shared_ptr<const ModelFile> m_model;
    std::vector<QString> m_tokenLabels;
    quint64 m_job = 0;
    int m_finished = 0, m_laddersMade = 0;
    QString m_outDir;

    QLabel* m_reference;
    QListWidget* m_files;
    QPushButton* m_add;
    QPushButton* m_remove;
    QLineEdit* m_schemes;
    QCheckBox* m_pure;
    QCheckBox* m_importance;
    QPushButton* m_make;
    QLineEdit* m_text;
    QPushButton* m_chooseText;
    QSpinBox* m_tokens;
    QSpinBox* m_decode;
    QPushButton* m_compare;
    QPushButton* m_stop;
    QLabel* m_message;
    QTableView* m_table;
    views::QuantLadderModel* m_ladderModel;
    QPushButton* m_exportTable;
    QTabWidget* m_tabs;
    views::KlPositionChart* m_kl;
    views::LensDriftChart* m_lens;
    views::QuantNextTokenChart* m_next;
    views::TensorErrorMap* m_map;
    views::TensorErrorModel* m_tensorModel;
    QTableView* m_tensorTable;
    QComboBox* m_fileBox;
    QPushButton* m_exportTensors;
};

} // namespace llmlab::gui
