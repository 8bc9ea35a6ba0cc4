"""The package re-exports every public function and class of its modules."""

import importlib
import inspect
import pkgutil

import pytest

import lessons_lib

MODULES = sorted(info.name for info in pkgutil.iter_modules(lessons_lib.__path__))
NOT_EXPORTED = {"main"}  # the command-line entry point of lessons_lib.pretrain


@pytest.mark.parametrize("module_name", MODULES)
def test_every_public_name_of_a_module_is_re_exported(module_name):
    module = importlib.import_module(f"lessons_lib.{module_name}")
    defined_here = [name for name, value in vars(module).items()
                    if not name.startswith("_") and (inspect.isclass(value) or callable(value))
                    and getattr(value, "__module__", None) == module.__name__ and name not in NOT_EXPORTED]
    missing = [name for name in defined_here if getattr(lessons_lib, name, None) is not getattr(module, name)]
    assert not missing, f"lessons_lib does not re-export {missing} from lessons_lib.{module_name}"


def test_all_lists_names_only_and_each_resolves():
    assert "bert" not in lessons_lib.__all__ and "BertModel" in lessons_lib.__all__
    for name in lessons_lib.__all__:
        assert hasattr(lessons_lib, name), name
