"""Config of models that hold other models: each sub-model serialized under its attribute name."""
import keras


class NestedModelsConfig:
    """Mixin for a ``keras.Model`` whose constructor takes sub-models named in ``_model_keys``.

    ``get_config`` adds each sub-model serialized; ``from_config`` deserializes them and calls
    the constructor with the rest of the config as keyword arguments.
    """

    _model_keys = ()

    def get_config(self):
        config = super().get_config()
        config.update({key: keras.saving.serialize_keras_object(getattr(self, key))
                       for key in self._model_keys})
        return config

    @classmethod
    def from_config(cls, config):
        config = dict(config)
        for key in cls._model_keys:
            config[key] = keras.saving.deserialize_keras_object(config[key])
        return cls(**config)
