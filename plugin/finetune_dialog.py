"""Dialog: fine-tune a model on the user's own labelled polygons (export-dataset, then train),
or on a dataset they already have (a Roboflow, YOLO or COCO export: train only)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from qgis.core import (
    QgsMapLayerProxyModel,
    QgsProject,
    QgsRasterLayer,
)
from qgis.gui import QgsFieldComboBox, QgsFileWidget, QgsMapLayerComboBox, QgsMessageBar
from qgis.PyQt.QtCore import Qt
from qgis.PyQt.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QVBoxLayout,
    QWidget,
)

from . import backend, installer, layers, settings
from .class_weights import ClassWeightsPreview
from .finetune_defaults import default_folder, default_label_layer, raster_ticked
from .model_picker import PT_FILTER, ModelPickerMixin, initial_model
from .object_sizes import ObjectSizesPreview
from .tasks import WorkerStep
from .translation import tr

IGNORE = ""  # combo data of "(not used)"


@dataclass
class FineTuneRequest:
    """Plain values for the fine-tuning task."""

    python: str
    folder: str
    dataset_dir: str
    run_dir: str
    report_path: str
    steps: list[WorkerStep]


class FineTuneDialog(ModelPickerMixin, QDialog):
    """Rasters, labels and class mapping, base model, training options, output folder."""

    DEVICE_SETTING = settings.FINETUNE_DEVICE

    def __init__(self, iface, parent=None) -> None:
        super().__init__(parent)
        self.iface = iface
        self.setWindowTitle(tr("LandSeg — Fine-tune on local labels"))
        self.setMinimumWidth(640)
        self.init_model_picker()
        self.counts: dict[str, int] = {}
        self.request: FineTuneRequest | None = None
        self.previewed: tuple[dict[str, int], dict[str, float]] = ({}, {})
        self.weights_preview = ClassWeightsPreview(self)
        self.weights_preview.computed.connect(self._weights_computed)
        self.weights_preview.failed.connect(self._weights_failed)
        self._build()
        self.check_environment()
        for problem in self._training_errors():
            self.bar.pushWarning(tr("Training support missing"), problem)
        self._label_layer_changed(self.label_combo.currentLayer())
        self.request_model_info()

    # --- layout ---------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        self.bar = QgsMessageBar(self)
        layout.addWidget(self.bar)
        layout.addWidget(self._data_group())
        layout.addWidget(self._model_group())
        layout.addWidget(self._continue_group())
        self._add_output_and_buttons(layout)

    def _data_group(self) -> QGroupBox:
        """Rasters, the label layer, its class field and the class table."""
        data_group = QGroupBox(tr("Training data"), self)
        data_form = QFormLayout(data_group)
        self.raster_list = QListWidget(data_group)
        self.raster_list.setMaximumHeight(90)
        active = self.iface.activeLayer() if self.iface is not None else None
        labels = default_label_layer(active)
        for layer in QgsProject.instance().mapLayers().values():
            if isinstance(layer, QgsRasterLayer):
                item = QListWidgetItem(layer.name(), self.raster_list)
                item.setData(Qt.UserRole, layer.id())
                item.setFlags(item.flags() | Qt.ItemIsUserCheckable)
                checked = raster_ticked(layer, active, labels)
                item.setCheckState(Qt.Checked if checked else Qt.Unchecked)
        data_form.addRow(tr("Raster layers"), self.raster_list)
        self.label_combo = QgsMapLayerComboBox(data_group)
        self.label_combo.setFilters(QgsMapLayerProxyModel.PolygonLayer)
        self.label_combo.setAllowEmptyLayer(True)
        self.label_combo.setLayer(labels)
        self.label_combo.layerChanged.connect(self._label_layer_changed)
        data_form.addRow(tr("Label layer"), self.label_combo)
        self.field_combo = QgsFieldComboBox(data_group)
        self.field_combo.setAllowEmptyFieldName(True)
        self.field_combo.fieldChanged.connect(self._field_changed)
        data_form.addRow(tr("Class field"), self.field_combo)
        self.class_table = QTableWidget(0, 3, data_group)
        self.class_table.setHorizontalHeaderLabels(
            [tr("Label value"), tr("Instances"), tr("Model class")]
        )
        self.class_table.verticalHeader().setVisible(False)
        self.class_table.setEditTriggers(QAbstractItemView.NoEditTriggers)
        self.class_table.horizontalHeader().setSectionResizeMode(QHeaderView.Stretch)
        self.class_table.setMinimumHeight(180)
        data_form.addRow(self.class_table)
        self.sizes_label = QLabel(data_group)
        self.sizes_label.setWordWrap(True)
        self.sizes_preview = ObjectSizesPreview(self.sizes_label)
        self.raster_list.itemChanged.connect(self._update_sizes)
        data_form.addRow(tr("Objects in the tiles"), self.sizes_label)
        self.dataset_widget = QgsFileWidget(data_group)
        self.dataset_widget.setStorageMode(QgsFileWidget.GetDirectory)
        self.dataset_widget.setToolTip(
            tr(
                "A dataset folder you already have (Roboflow, YOLO or COCO export): trained on "
                "as it is, instead of the layers above. The folder is only read."
            )
        )
        self.dataset_widget.fileChanged.connect(self._dataset_changed)
        data_form.addRow(tr("Or a dataset folder"), self.dataset_widget)
        return data_group

    def dataset(self) -> str:
        """The dataset folder chosen instead of layers ("" when the layers are used)."""
        return self.dataset_widget.filePath().strip()

    def _dataset_changed(self, _path: str) -> None:
        for widget in (self.raster_list, self.label_combo, self.field_combo, self.class_table):
            widget.setEnabled(not self.dataset())

    def _model_group(self) -> QGroupBox:
        """Base model, epochs, image size, class weights, copy-paste and device."""
        model_group = QGroupBox(tr("Model and training"), self)
        form = QFormLayout(model_group)
        self.base_combo = base_model_combo(model_group)
        self.base_combo.currentIndexChanged.connect(self._base_changed)
        form.addRow(tr("Base model"), self.base_combo)
        self.add_model_rows(form, model_group, tr("Model file"), PT_FILTER)
        self.set_model_path(initial_model())
        self.epochs_spin = QSpinBox(model_group)
        self.epochs_spin.setRange(1, 10000)
        self.epochs_spin.setValue(settings.value(settings.FINETUNE_EPOCHS, 50, int))
        form.addRow(tr("Epochs"), self.epochs_spin)
        self.imgsz_spin = QSpinBox(model_group)
        self.imgsz_spin.setRange(0, 4096)
        self.imgsz_spin.setSingleStep(32)
        self.imgsz_spin.setSpecialValueText(tr("tile size"))
        self.imgsz_spin.setValue(settings.value(settings.FINETUNE_IMGSZ, 0, int))
        form.addRow(tr("Image size"), self.imgsz_spin)
        self.auto_scale_check = QCheckBox(tr("Fit the pixel and tile size to my objects"))
        self.auto_scale_check.setToolTip(
            tr(
                "Cut the training tiles at the pixel and tile size at which most labelled "
                "objects are seen whole (export-dataset --auto-scale); the model remembers them."
            )
        )
        self.auto_scale_check.toggled.connect(self._update_sizes)
        form.addRow("", self.auto_scale_check)
        balance_row = QWidget(model_group)
        balance_layout = QHBoxLayout(balance_row)
        balance_layout.setContentsMargins(0, 0, 0, 0)
        self.balance_check = QCheckBox(tr("Balance classes"), balance_row)
        self.balance_check.setChecked(True)
        self.balance_check.toggled.connect(self._update_weights)
        balance_layout.addWidget(self.balance_check)
        self.weights_label = QLabel(balance_row)
        self.weights_label.setWordWrap(True)
        balance_layout.addWidget(self.weights_label, 1)
        form.addRow(tr("Class weights"), balance_row)
        self.copy_paste_spin = QDoubleSpinBox(model_group)
        self.copy_paste_spin.setRange(0.0, 1.0)
        self.copy_paste_spin.setSingleStep(0.1)
        self.copy_paste_spin.setValue(0.3)
        form.addRow(tr("Copy-paste augmentation"), self.copy_paste_spin)
        self.add_device_row(form, model_group)
        return model_group

    def _continue_group(self) -> QGroupBox:
        """The continued phase at a lower learning rate (off by default)."""
        self.continue_group = QGroupBox(tr("Continued phase (lower learning rate)"), self)
        self.continue_group.setCheckable(True)
        self.continue_group.setChecked(False)
        continue_form = QFormLayout(self.continue_group)
        self.continue_epochs_spin = QSpinBox(self.continue_group)
        self.continue_epochs_spin.setRange(1, 10000)
        self.continue_epochs_spin.setValue(10)
        continue_form.addRow(tr("Epochs"), self.continue_epochs_spin)
        self.continue_lr_spin = QDoubleSpinBox(self.continue_group)
        self.continue_lr_spin.setDecimals(6)
        self.continue_lr_spin.setRange(0.000001, 1.0)
        self.continue_lr_spin.setSingleStep(0.00001)
        self.continue_lr_spin.setValue(0.00005)
        continue_form.addRow(tr("Learning rate"), self.continue_lr_spin)
        return self.continue_group

    def _add_output_and_buttons(self, layout: QVBoxLayout) -> None:
        out_form = QFormLayout()
        self.folder_widget = QgsFileWidget(self)
        self.folder_widget.setStorageMode(QgsFileWidget.GetDirectory)
        self.folder_widget.setFilePath(default_folder())
        out_form.addRow(tr("Output folder"), self.folder_widget)
        layout.addLayout(out_form)

        self.buttons = QDialogButtonBox(QDialogButtonBox.Cancel, self)
        self.training_button = self.buttons.addButton(
            tr("Install training support…"), QDialogButtonBox.ActionRole
        )
        self.training_button.setToolTip(
            tr(
                "Adds PyTorch and ultralytics (about {size} GB) to LandSeg's environment: "
                "segmenting needs neither, fine-tuning needs both."
            ).format(size=installer.TRAINING_SIZE_GB)
        )
        self.training_button.clicked.connect(self.install_training)
        self.training_button.setVisible(False)
        self.run_button = self.buttons.addButton(tr("Fine-tune"), QDialogButtonBox.AcceptRole)
        self.run_button.setDefault(True)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout.addWidget(self.buttons)

    # --- labels and classes ---------------------------------------------------------------
    def _label_layer_changed(self, layer) -> None:
        self.field_combo.setLayer(layer)
        if layer is not None and layer.fields().indexOf("class") >= 0:
            self.field_combo.setField("class")
        else:
            self.field_combo.setField("")
        self._field_changed(self.field_combo.currentField())

    def _field_changed(self, field_name: str) -> None:
        layer = self.label_combo.currentLayer()
        self.counts = layers.class_counts(layer, field_name) if layer and field_name else {}
        self._fill_table()
        if self.counts and layers.looks_like_ids(layer, field_name, self.counts):
            self.bar.pushWarning(tr("Class field"), layers.ids_warning(field_name))

    def model_classes(self) -> list[str]:
        if self.published_base():  # a new head learns the label values as its classes
            return list(self.counts)
        return list((self.model_info or {}).get("class_names", []))

    def _fill_table(self) -> None:
        previous = self.mapping()
        classes = self.model_classes()
        for row in range(self.class_table.rowCount()):
            old = self.class_table.cellWidget(row, 2)
            if old is not None:  # hidden at once: deletion waits for the event loop
                self.class_table.removeCellWidget(row, 2)
                old.hide()
        self.class_table.setRowCount(len(self.counts))
        for row, (value, count) in enumerate(self.counts.items()):
            self.class_table.setItem(row, 0, QTableWidgetItem(value))
            number = QTableWidgetItem(str(count))
            number.setTextAlignment(Qt.AlignRight | Qt.AlignVCenter)
            self.class_table.setItem(row, 1, number)
            combo = QComboBox(self.class_table)
            combo.addItem(tr("(not used)"), IGNORE)
            for name in classes:
                combo.addItem(name, name)
            choice = previous.get(value) or _guess_class(value, classes)
            combo.setCurrentIndex(max(combo.findData(choice or IGNORE), 0))
            combo.currentIndexChanged.connect(self._update_weights)
            self.class_table.setCellWidget(row, 2, combo)
        self._update_weights()

    def mapping(self) -> dict[str, str]:
        """Label value -> model class, for the values mapped to a class."""
        result = {}
        for row in range(self.class_table.rowCount()):
            value_item = self.class_table.item(row, 0)
            combo = self.class_table.cellWidget(row, 2)
            if value_item is not None and combo is not None and combo.currentData():
                result[value_item.text()] = combo.currentData()
        return result

    def set_mapping(self, value: str, model_class: str) -> None:
        for row in range(self.class_table.rowCount()):
            if self.class_table.item(row, 0).text() == value:
                combo = self.class_table.cellWidget(row, 2)
                combo.setCurrentIndex(max(combo.findData(model_class), 0))

    def class_instances(self) -> dict[str, int]:
        """Instances per model class under the current mapping (model order)."""
        totals = dict.fromkeys(self.model_classes(), 0)
        for value, name in self.mapping().items():
            totals[name] = totals.get(name, 0) + self.counts.get(value, 0)
        return totals

    def weights(self) -> dict[str, float] | None:
        """The backend's balanced weights for the current mapping ({} until it answered)."""
        if not self.balance_check.isChecked():
            return None
        counts, weights = self.previewed
        return dict(weights) if counts and counts == self.class_instances() else {}

    def _update_weights(self, *_args) -> None:
        weights, instances = self.weights(), self.class_instances()
        if weights is None:
            text = tr("none (every class counts the same)")
        elif not instances:
            text = tr("shown once the model's classes are known")
        elif weights:
            text = ", ".join(
                f"{name} {weight:.2f} ({instances.get(name, 0)})"
                for name, weight in weights.items()
            )
        elif self.env is None:
            text = tr("shown once the LandSeg environment is installed")
        else:
            text = tr("computing…")
            self.weights_preview.request(self.env.python, instances)
        self.weights_label.setText(text)
        self._update_sizes()

    def _update_sizes(self, *_args) -> None:
        if hasattr(self, "auto_scale_check"):  # the dialog is built
            labels, python = self.label_combo.currentLayer(), self.env and self.env.python
            options = self._export_options()
            self.sizes_preview.request(python, self.checked_rasters(), labels, options)

    def _weights_computed(self, counts: dict, weights: dict) -> None:
        self.previewed = (counts, weights)
        self._update_weights()

    def _weights_failed(self, counts: dict, message: str) -> None:
        if counts == self.class_instances():
            self.weights_label.setText(
                tr("could not be computed: {message}").format(message=message)
            )

    # --- base model -----------------------------------------------------------------------
    def published_base(self) -> str:
        """The name of the published weights chosen as base model ('' for the shipped or a file)."""
        return self.base_combo.currentData() or ""

    def _base_changed(self, _index: int) -> None:
        published = bool(self.published_base())
        self.model_widget.setEnabled(not published)
        if not published:
            self.request_model_info()
            return
        self.model_info, self.model_error = None, ""
        self.model_label.setText(
            tr(
                "Downloaded once into LandSeg's cache when fine-tuning starts. Its classes are "
                "learnt anew from your label values."
            )
        )
        self._fill_table()

    def _model_loaded(self, model: str, info: dict) -> None:
        if not self.published_base():  # an answer for a file no longer chosen is dropped
            super()._model_loaded(model, info)
            self._fill_table()

    def _model_failed(self, model: str, message: str, details: str) -> None:
        if not self.published_base():
            super()._model_failed(model, message, details)
            self._fill_table()

    # --- validation and request -------------------------------------------------------------
    def checked_rasters(self) -> list[QgsRasterLayer]:
        found = []
        for row in range(self.raster_list.count()):
            item = self.raster_list.item(row)
            if item.checkState() == Qt.Checked:
                layer = QgsProject.instance().mapLayer(item.data(Qt.UserRole))
                if layer is not None:
                    found.append(layer)
        return found

    def folder(self) -> str:
        return self.folder_widget.filePath().strip()

    def validate(self) -> list[str]:
        errors = self.environment_errors() + self._training_errors()
        errors += self._dataset_errors() if self.dataset() else self._layer_errors()
        errors += self._base_model_errors()
        folder = self.folder()
        if not folder:
            errors.append(tr("Choose an output folder."))
        elif Path(folder).exists() and (not Path(folder).is_dir() or any(Path(folder).iterdir())):
            errors.append(
                tr(
                    "The output folder '{folder}' is not empty: choose a new or empty folder."
                ).format(folder=folder)
            )
        return errors

    def _training_errors(self) -> list[str]:
        """Fine-tuning needs the training support, which the core environment lacks."""
        lacking = self.env is not None and not self.env.training
        self.training_button.setVisible(lacking)
        if not lacking:
            return []
        return [
            tr(
                "Fine-tuning needs LandSeg's training support (PyTorch and ultralytics, about "
                "{size} GB), which this environment does not have: click Install training "
                "support…"
            ).format(size=installer.TRAINING_SIZE_GB)
        ]

    def install_training(self):
        """Add the training support to the environment (through LandSeg settings)."""
        from .settings_dialog import SettingsDialog

        self.settings_dialog = SettingsDialog(self)
        self.settings_dialog.show()
        install = self.settings_dialog.install(training=True)
        if install is not None:
            install.installFinished.connect(self._training_installed)
        return install

    def _training_installed(self, ok: bool) -> None:
        from . import environment

        self.env = environment.current(use_cache=False) or self.env
        if ok and not self._training_errors():
            self.bar.clearWidgets()
            self.bar.pushSuccess(tr("Training support"), tr("Installed: you can fine-tune now."))

    def _dataset_errors(self) -> list[str]:
        if not Path(self.dataset()).is_dir():
            return [
                tr("The dataset folder '{folder}' does not exist: choose it again.").format(
                    folder=self.dataset()
                )
            ]
        return []

    def _layer_errors(self) -> list[str]:
        errors = []
        rasters = self.checked_rasters()
        if not rasters:
            errors.append(tr("Tick at least one raster layer to train on."))
        for layer in rasters:
            try:
                layers.raster_path(layer)
            except ValueError as error:
                errors.append(str(error))
        if self.label_combo.currentLayer() is None:
            errors.append(tr("Choose the polygon layer with your labels."))
        elif not self.field_combo.currentField():
            errors.append(tr("Choose the field of the label layer that holds the class."))
        if self.field_combo.currentField() and (
            self.model_info is not None or self.published_base()
        ):
            mapping = self.mapping()
            if not mapping:
                errors.append(tr("Map at least one label value to a model class."))
            unsafe = backend.unsafe_class_values(list(mapping))
            if unsafe:
                errors.append(
                    tr("Label values with ',' or '=' cannot be mapped: {values}.").format(
                        values="; ".join(unsafe)
                    )
                )
        return errors

    def _base_model_errors(self) -> list[str]:
        if self.published_base():
            return []
        problem = self.model_problem(tr("Base model '{path}' does not exist: choose a .pt file."))
        if problem:
            return [problem]
        if self.model_info is None:
            return [tr("The base model's classes are not known yet: wait a moment.")]
        return []

    def build_request(self) -> FineTuneRequest:
        folder = Path(self.folder()).absolute()
        folder.mkdir(parents=True, exist_ok=True)
        run_dir, report_path = folder / "run", folder / "report.html"
        dataset_dir = Path(self.dataset()).absolute() if self.dataset() else folder / "dataset"
        steps = [] if self.dataset() else [self._export_step(folder, dataset_dir)]
        train = self._train_args(dataset_dir, run_dir)
        steps += [
            WorkerStep("train", train, 0.0 if self.dataset() else 0.1, 0.97, tr("Fine-tuning")),
            WorkerStep(
                "report",
                backend.report_args(str(run_dir), str(report_path)),
                0.97,
                1.0,
                tr("Writing the report"),
                optional=True,
            ),
        ]
        return FineTuneRequest(
            python=self.env.python,
            folder=str(folder),
            dataset_dir=str(dataset_dir),
            run_dir=str(run_dir),
            report_path=str(report_path),
            steps=steps,
        )

    def _export_step(self, folder: Path, dataset_dir: Path) -> WorkerStep:
        """``landseg export-dataset`` of the ticked rasters and the label layer."""
        labels = layers.vector_path(self.label_combo.currentLayer(), folder=str(folder / "labels"))
        export = backend.export_dataset_args(
            [layers.raster_path(layer) for layer in self.checked_rasters()],
            labels,
            str(dataset_dir),
            **self._export_options(),
        )
        return WorkerStep("export", export, 0.0, 0.1, tr("Exporting the dataset"))

    def _export_options(self) -> dict:
        """The export's label and tile options (which its size preview shares)."""
        info, mapping = self.model_info or {}, self.mapping()
        published = self.published_base()
        classes = list(dict.fromkeys(mapping.values())) if published else self.model_classes()
        return {
            "class_field": self.field_combo.currentField(),
            "class_map": mapping,
            "classes": classes,
            "tile_size_px": info.get("tile_size_px"),
            "overlap_px": info.get("overlap_px"),
            "auto_scale": self.auto_scale_check.isChecked(),
        }

    def _train_args(self, dataset_dir: Path, run_dir: Path) -> list[str]:
        info = self.model_info or {}
        continued = self.continue_group.isChecked()
        return backend.train_args(
            str(dataset_dir),
            str(run_dir),
            base_model=self.published_base() or self.model_path() or info.get("path"),
            epochs=self.epochs_spin.value(),
            imgsz=self.imgsz_spin.value() or None,
            device=self.device_combo.currentData(),
            class_weights="balanced" if self.balance_check.isChecked() else "none",
            copy_paste=self.copy_paste_spin.value(),
            continue_epochs=self.continue_epochs_spin.value() if continued else 0,
            continue_lr=self.continue_lr_spin.value() if continued else None,
        )

    def accept(self) -> None:
        errors = self.validate()
        if errors:
            self.bar.clearWidgets()
            self.bar.pushWarning(tr("Cannot fine-tune yet"), "\n".join(errors))
            return
        settings.set_value(settings.FINETUNE_EPOCHS, self.epochs_spin.value())
        settings.set_value(settings.FINETUNE_IMGSZ, self.imgsz_spin.value())
        settings.set_value(settings.FINETUNE_FOLDER, self.folder())
        settings.set_value(settings.FINETUNE_DEVICE, self.device_combo.currentData())
        self.request = self.build_request()
        super().accept()


def base_model_combo(parent: QWidget) -> QComboBox:
    """The shipped model or a file (the field below), or published weights by name."""
    combo = QComboBox(parent)
    combo.addItem(tr("The shipped model, or the file chosen below"), "")
    for name, size_mb in backend.PUBLISHED_BASE_MODELS.items():
        text = tr("{name}: COCO weights, downloaded once (about {size} MB)")
        combo.addItem(text.format(name=name, size=size_mb), name)
    return combo


def _guess_class(value: str, classes: list[str]) -> str:
    """A model class whose name matches the label value (ignoring case and separators)."""

    def norm(text: str) -> str:
        return "".join(ch for ch in text.lower() if ch.isalnum())

    for name in classes:
        if norm(name) == norm(value):
            return name
    return IGNORE
