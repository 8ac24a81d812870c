# FindRDKit: Debian's librdkit-dev ships no CMake config or pkg-config file.
# Libraries are /usr/lib/libRDKit<Name>.so, headers /usr/include/rdkit, and the
# headers need Boost. Defines RDKit::<Name> imported targets with the link
# dependencies between them, and RDKit_FOUND / RDKit_INCLUDE_DIR.
# Debian's RDGeneral/versions.h is an unfilled template: read the version at
# run time from RDKit::rdkitVersion.

find_path(RDKit_INCLUDE_DIR GraphMol/RDKitBase.h PATH_SUFFIXES rdkit)
find_library(RDKit_GraphMol_LIBRARY NAMES RDKitGraphMol)
find_package(Boost QUIET)

include(FindPackageHandleStandardArgs)
find_package_handle_standard_args(RDKit
  REQUIRED_VARS RDKit_INCLUDE_DIR RDKit_GraphMol_LIBRARY Boost_FOUND)

if(RDKit_FOUND)
  # name -> RDKit targets it links against (only the ones plmkit uses, plus
  # what they need).
  set(_rdkit_deps_RDGeneral "")
  set(_rdkit_deps_RDGeometryLib RDGeneral)
  set(_rdkit_deps_DataStructs RDGeneral)
  set(_rdkit_deps_GraphMol RDGeometryLib RDGeneral)
  set(_rdkit_deps_SmilesParse GraphMol)
  set(_rdkit_deps_FileParsers SmilesParse GraphMol)
  set(_rdkit_deps_SubstructMatch GraphMol)
  set(_rdkit_deps_ChemTransforms SubstructMatch SmilesParse GraphMol)
  set(_rdkit_deps_Descriptors SubstructMatch SmilesParse GraphMol DataStructs)
  set(_rdkit_deps_Fingerprints Subgraphs SubstructMatch GraphMol DataStructs)
  set(_rdkit_deps_Subgraphs GraphMol)
  set(_rdkit_deps_Catalogs RDGeneral)
  set(_rdkit_deps_FilterCatalog Catalogs SubstructMatch SmilesParse FileParsers GraphMol)
  set(_rdkit_deps_ChemReactions SubstructMatch SmilesParse FileParsers GraphMol)
  set(_rdkit_deps_MolStandardize ChemReactions ChemTransforms Descriptors SubstructMatch
      SmilesParse FileParsers GraphMol)
  set(_rdkit_deps_MolHash GraphMol)
  set(_rdkit_deps_ScaffoldNetwork ChemTransforms GraphMol)
  set(_rdkit_deps_PartialCharges GraphMol)

  foreach(_name RDGeneral RDGeometryLib DataStructs GraphMol SmilesParse FileParsers
          SubstructMatch ChemTransforms Descriptors Fingerprints Subgraphs Catalogs
          FilterCatalog ChemReactions MolStandardize MolHash ScaffoldNetwork PartialCharges)
    if(NOT TARGET RDKit::${_name})
      find_library(RDKit_${_name}_LIBRARY NAMES RDKit${_name})
      if(NOT RDKit_${_name}_LIBRARY)
        message(FATAL_ERROR "RDKit library RDKit${_name} not found")
      endif()
      add_library(RDKit::${_name} SHARED IMPORTED)
      set_target_properties(RDKit::${_name} PROPERTIES
        IMPORTED_LOCATION "${RDKit_${_name}_LIBRARY}"
        INTERFACE_INCLUDE_DIRECTORIES "${RDKit_INCLUDE_DIR};${Boost_INCLUDE_DIRS}")
    endif()
  endforeach()
  foreach(_name RDGeneral RDGeometryLib DataStructs GraphMol SmilesParse FileParsers
          SubstructMatch ChemTransforms Descriptors Fingerprints Subgraphs Catalogs
          FilterCatalog ChemReactions MolStandardize MolHash ScaffoldNetwork PartialCharges)
    set(_deps "")
    foreach(_d ${_rdkit_deps_${_name}})
      list(APPEND _deps RDKit::${_d})
    endforeach()
    if(_deps)
      set_property(TARGET RDKit::${_name} APPEND PROPERTY INTERFACE_LINK_LIBRARIES ${_deps})
    endif()
  endforeach()
  mark_as_advanced(RDKit_INCLUDE_DIR)
endif()
